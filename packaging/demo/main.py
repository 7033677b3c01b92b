"""The weft demo as an app folder, for `weft package packaging/demo`."""

from weft.demo import APP_DIR, main  # noqa: F401  (the launcher runs main, serving APP_DIR)

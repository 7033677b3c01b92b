"""The weft demo as an app folder, for `weft package packaging/demo`
(or `python packaging/demo/main.py`)."""

import sys

import weft
from weft.demo import APP_DIR, main

sys.exit(weft.run(main, app_dir=APP_DIR))

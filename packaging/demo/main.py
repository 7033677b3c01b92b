"""The weft demo as an app folder, for `weft package packaging/demo`
(or `python packaging/demo/main.py`). Its weft.toml says who it is; with
-v, it logs that and each deep link (weft-demo://...) it is opened with."""

import logging
import sys

import weft
from weft import app
from weft.demo import APP_DIR
from weft.demo import main as demo_main

log = logging.getLogger("weft.demo")


async def main() -> None:
    log.info("%s (%s %s) starts", app.id, app.name, app.version)
    app.on_open_url(lambda url: log.info("opened with %s", url))
    await demo_main()


sys.exit(weft.run(main, app_dir=APP_DIR))

"""Which router the module-level ``weft.ipc`` functions act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import RuntimeClosedError

if TYPE_CHECKING:
    from .router import Router

_router: Router | None = None


def set_router(router: Router | None) -> None:
    global _router
    _router = router


def router() -> Router:
    if _router is None:
        raise RuntimeClosedError(
            "no weft runtime is running: call weft.run(main), or activate a weft.Runtime"
        )
    return _router

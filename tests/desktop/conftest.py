"""The real desktop session for tests/desktop: built once per test run from
Debian packages (installed when missing), torn down at the end. If it cannot
start, the tests that need it fail and say why: none is skipped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.desktop.session import Session, SessionError, desktop_session


@pytest.fixture(scope="session")
def desktop() -> Iterator[Session]:
    """Xvfb, a session bus, dunst and trayer; ``desktop.env`` points a child process at them."""
    try:
        with desktop_session() as session:
            yield session
    except SessionError as exc:
        pytest.fail(f"the desktop session could not start: {exc}")

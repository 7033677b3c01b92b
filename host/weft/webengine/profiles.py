"""Web profiles: off-the-record, or kept on disk in a storage folder that
one profile at a time may use.

A storage folder holds ``profile/`` (Chromium's persistent data), ``cache/``
(the HTTP cache) and ``weft.lock``. A second claim on a folder in this
process is a :class:`~weft.StartupError` (Chromium refuses a second profile
on one data path); a folder another process holds (an app started twice
without ``single_instance``) leaves this process off-the-record, with one
warning.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineProfileBuilder

from ..errors import StartupError
from .lifetime import delete_later

log = logging.getLogger("weft.storage")

LOCK_NAME = "weft.lock"

if os.name == "nt":  # pragma: no cover (Windows)
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        # flock: held per open file, so a second open in this process is
        # refused too, and the system lets go when the process dies (a crash
        # leaves no stale lock).
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


_held: dict[Path, str] = {}
"""Storage folders held in this process, and by what (for the error message)."""


class StorageClaim:
    """This process's hold on a storage folder, from :func:`claim_storage`
    until :meth:`release`."""

    def __init__(self, folder: Path, owner: str, fd: int) -> None:
        self.folder = folder
        self.owner = owner
        self._fd: int | None = fd
        _held[folder] = owner

    def release(self) -> None:
        """Let the folder go (after the profile that used it is gone)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _held.pop(self.folder, None)
        try:
            _unlock(fd)
        finally:
            os.close(fd)


def claim_storage(folder: Path, owner: str) -> StorageClaim | None:
    """Claim ``folder`` (made if missing) for one profile: the claim, or None
    when another process holds it. ``owner`` names the user in messages.

    Raises :class:`~weft.StartupError` if a profile of this process holds it
    already, or if it cannot be made or locked.
    """
    folder = Path(folder).expanduser().resolve()
    holder = _held.get(folder)
    if holder is not None:
        raise StartupError(
            f"the web storage folder {folder} is in use by {holder} in this process: two profiles cannot share "
            "one folder at once (Chromium refuses); give each its own folder, or shut the other runtime down first")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        raise StartupError(f"cannot use {folder} as a web storage folder: {exc.strerror or exc}") from None
    if not _try_lock(fd):
        os.close(fd)
        return None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    except OSError:
        pass  # the pid is only for people reading the file; the lock is what counts
    return StorageClaim(folder, owner, fd)


def holder_pid(folder: Path) -> str:
    """The pid written in a storage folder's lock file ("?" if unreadable)."""
    try:
        return (Path(folder).expanduser().resolve() / LOCK_NAME).read_text().strip() or "?"
    except OSError:
        return "?"


class WebProfile:
    """A ``QWebEngineProfile`` for ``storage`` (None: off-the-record), and
    the claim on its folder. A folder another process holds gives an
    off-the-record profile and one warning. Delete it with :meth:`close`,
    after its pages."""

    def __init__(self, storage: Path | None, name: str, owner: str,
                 permissions: QWebEngineProfile.PersistentPermissionsPolicy) -> None:
        # The profile is a child of a holder of ours, deleted through it.
        # Workaround: once Python asks a page for its profile(), PySide treats
        # a profile it did not make as that page's child, and marks it
        # deleted when the page goes; deleteLater on it is then impossible,
        # and the profile (and its data path) would live on.
        self._holder = QObject()
        self.claim: StorageClaim | None = None
        if storage is not None:
            self.claim = claim_storage(storage, owner)
            if self.claim is None:
                log.warning("%s: web storage folder %s is in use by another process (pid %s); this run keeps "
                            "nothing (off-the-record)", owner, storage, holder_pid(storage))
        if self.claim is None:
            self.profile = QWebEngineProfile(self._holder)
            self.profile.setPersistentPermissionsPolicy(permissions)
            return
        try:
            self.profile = _disk_profile(self.claim, name, permissions, self._holder)
        except BaseException:
            self.claim.release()
            raise

    async def close(self) -> None:
        """Delete the profile (its pages must be gone), then let its folder go."""
        try:
            if shiboken6.isValid(self._holder):
                await asyncio.wait_for(delete_later(self._holder), timeout=10)
        finally:
            if self.claim is not None:
                self.claim.release()
                self.claim = None


def _disk_profile(claim: StorageClaim, name: str, permissions: QWebEngineProfile.PersistentPermissionsPolicy,
                  parent: QObject) -> QWebEngineProfile:
    """A profile that keeps its data under the claimed folder: persistent
    cookies, ``localStorage``, IndexedDB and a disk HTTP cache.
    ``permissions`` is where granted web permissions are kept."""
    builder = QWebEngineProfileBuilder()
    # Paths given explicitly: Qt would otherwise put them under the
    # application's name in QStandardPaths, shared by every app called so.
    builder.setPersistentStoragePath(str(claim.folder / "profile"))
    builder.setCachePath(str(claim.folder / "cache"))
    builder.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.AllowPersistentCookies)
    builder.setHttpCacheType(QWebEngineProfile.HttpCacheType.DiskHttpCache)
    builder.setPersistentPermissionsPolicy(permissions)
    profile = builder.createProfile(name, parent)
    if profile is None:  # Qt refused the data path: a profile of this process still uses it
        raise StartupError(f"QtWebEngine refused a profile on {claim.folder}: another profile uses it")
    return profile

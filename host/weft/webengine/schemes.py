"""weft's URL schemes: ``app://`` for app content, ``plugin://`` for plugins.

Both serve files from one folder through :class:`FolderSchemeHandler`.

App pages never load from ``file://``. ``app://localhost/<path>`` serves
``<app_dir>/<path>``, refusing anything that resolves outside the folder
(``..``, encoded or not, and symlinks that lead out). ``app://index.html`` is
shorthand for ``app://localhost/index.html``. Windows made with ``html=`` are
served from memory at ``app://localhost/.weft-window-<id>.html``, so their
relative links resolve into the app folder too.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import mimetypes
import os
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject, QUrl
from PySide6.QtWebEngineCore import QWebEngineUrlRequestJob, QWebEngineUrlScheme, QWebEngineUrlSchemeHandler

from .. import policy
from ..errors import WindowOptionError
from ..files import open_regular
from .bulk import BULK_PATH, BulkStore

log = logging.getLogger("weft.scheme")
security = logging.getLogger("weft.security")

APP_SCHEME = "app"
APP_HOST = "localhost"
PLUGIN_SCHEME = "plugin"
_registered = False


def register_schemes() -> None:
    """Register weft's URL schemes; must run before QApplication exists."""
    global _registered
    if _registered:
        return
    for name in (APP_SCHEME, PLUGIN_SCHEME):
        scheme = QWebEngineUrlScheme(name.encode())
        scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
        scheme.setFlags(
            QWebEngineUrlScheme.Flag.SecureScheme
            | QWebEngineUrlScheme.Flag.CorsEnabled
            | QWebEngineUrlScheme.Flag.FetchApiAllowed
        )
        QWebEngineUrlScheme.registerScheme(scheme)
    _registered = True


_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def origin_of(url: QUrl) -> str:
    """``scheme://host[:port]``, leaving out the scheme's default port."""
    scheme, port = url.scheme(), url.port()
    suffix = "" if port in (-1, _DEFAULT_PORTS.get(scheme)) else f":{port}"
    return f"{scheme}://{url.host()}{suffix}"


def app_url(url: str) -> QUrl:
    """Normalise a window's ``url=``: ``app://x.html`` and bare relative paths
    become ``app://localhost/x.html``. Any other scheme is refused: a page
    in a window gets ``window.runtime``, which reaches every handler of the
    app, so a window shows only the app's own pages (``file://`` included:
    the app folder is served from ``app://``)."""
    qurl = QUrl(url)
    if not qurl.isValid():
        raise WindowOptionError(f"not a valid URL: {url!r}")
    scheme = qurl.scheme()
    if scheme == "":
        return QUrl(f"{APP_SCHEME}://{APP_HOST}/{url.lstrip('/')}")
    if scheme == "file":
        raise WindowOptionError("app content is served from app://, never file://; put it in the app folder")
    if scheme != APP_SCHEME:
        raise WindowOptionError(
            f"{url!r}: a window shows the app's own pages (app://, or a path in the app folder), never {scheme}: "
            "ones, whose scripts would get window.runtime and every handler of the app; open web pages in the "
            "user's browser with weft.shell.open_external()")
    if qurl.host() != APP_HOST:
        rest = url[len(APP_SCHEME) + 3:]
        return QUrl(f"{APP_SCHEME}://{APP_HOST}/{rest.lstrip('/')}")
    return qurl


#: Every page may import weft-runtime from its own origin, read-only:
#: ``import { fromDesktopIpc } from "/.weft/runtime/index.js"``.
RUNTIME_PATH = "/.weft/runtime/"
RUNTIME_ASSETS = {"index.js": "index.js", "guard.js": "guard.js"}


@functools.cache
def _runtime_asset(name: str) -> bytes:
    return importlib.resources.files("weft.renderer_assets").joinpath(name).read_bytes()


def _refusal_for(job: QWebEngineUrlRequestJob) -> QWebEngineUrlRequestJob.Error:
    # A refused navigation is aborted, which leaves the document it would
    # have replaced in place (a denial would show an error page instead).
    # Any other request is denied: Qt 6.11 then gives fetch() a response
    # with status 403 and no body (an aborted fetch would never settle).
    # Chromium marks navigations with this header; a page that adds it to a
    # fetch only changes how it is refused.
    if job.requestHeaders().get(QByteArray(b"Upgrade-Insecure-Requests")) is not None:
        return QWebEngineUrlRequestJob.Error.RequestAborted
    return QWebEngineUrlRequestJob.Error.RequestDenied


def _log_refusal(initiator: str, url: str, reason: str) -> None:
    security.warning("refused %s to %s: %s", url, initiator, reason)


def html_path(window_id: str) -> str:
    return f"/.weft-window-{window_id}.html"


def initiator_origin(job: QWebEngineUrlRequestJob) -> str | None:
    """The origin that started ``job`` (:data:`weft.policy.OPAQUE` for an
    opaque one), or None for a navigation the host itself started."""
    initiator = job.initiator()
    if initiator.isEmpty():
        return None
    origin = initiator.toString()
    return origin if initiator.isValid() and origin else policy.OPAQUE



TEXT_TYPES = frozenset({"application/javascript", "application/json", "application/xml", "image/svg+xml",
                        "application/xhtml+xml", "application/manifest+json"})
"""Types read as text besides text/*: each is served with charset=utf-8."""


def _content_type(mime: str) -> bytes:
    """The Content-Type of a served file: text is UTF-8 (without it Chromium
    reads a page with no <meta charset>, and its scripts, as windows-1252)."""
    text = mime.startswith("text/") or mime in TEXT_TYPES
    return f"{mime};charset=utf-8".encode() if text else mime.encode()


class FolderSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``<scheme>://<host>/...`` from one folder and from memory, to
    requests its own origin started; any other host is not found.

    ``headers`` go with every answer (a plugin's Content-Security-Policy).
    ``on_refused(initiator, url, reason)`` hears each refused request.
    With ``check_document``, files whose type
    :func:`weft.policy.is_document` names are read, served as UTF-8, and only
    if ``check_document(mime, data)`` allows them, as
    ``rewrite_document(mime, data)`` makes them (if given).
    """

    def __init__(
        self,
        root: Path | None,
        parent: QObject | None = None,
        *,
        scheme: str = APP_SCHEME,
        host: str = APP_HOST,
        bulk: BulkStore | None = None,
        headers: dict[str, str] | None = None,
        on_refused: Callable[[str, str, str], None] | None = None,
        check_document: Callable[[str, bytes], policy.Decision] | None = None,
        rewrite_document: Callable[[str, bytes], bytes] | None = None,
    ) -> None:
        super().__init__(parent)
        self._root = root.resolve() if root is not None else None
        self._host = host
        self.origin = f"{scheme}://{host}"
        """The only origin whose requests are answered."""
        self.bulk = bulk
        """The bulk lane's bodies for pages on this origin (``/.weft/bulk/``)."""
        self._documents: dict[str, bytes] = {}
        self._headers = {QByteArray(k.encode()): [QByteArray(v.encode())] for k, v in (headers or {}).items()}
        self._on_refused = on_refused or _log_refusal
        self._check_document = check_document
        self._rewrite_document = rewrite_document

    def add_document(self, path: str, html: str) -> None:
        self._documents[path] = html.encode("utf-8")

    def remove_document(self, path: str) -> None:
        self._documents.pop(path, None)

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt override)
        try:
            self._start(job)
        except Exception:  # a job neither answered nor failed would leave the page waiting for good
            log.exception("serving %s failed", job.requestUrl().toString())
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)

    def _start(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        initiator = initiator_origin(job)
        decision = policy.serve(self.origin, initiator)
        if not decision:
            self._on_refused(initiator or "", url.toString(), decision.reason)
            job.fail(_refusal_for(job))
            return
        if self._headers:
            job.setAdditionalResponseHeaders(self._headers)
        path = url.path() or "/"
        if self.bulk is not None and url.host() == self._host and path.startswith(BULK_PATH):
            self.bulk.handle(job, path)
            return
        if url.host() != self._host or bytes(job.requestMethod().data()) not in (b"GET", b"HEAD"):
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        document = self._documents.get(path)
        if document is not None:
            self._reply_bytes(job, b"text/html;charset=utf-8", document)
            return
        if path.startswith(RUNTIME_PATH):
            asset = RUNTIME_ASSETS.get(path[len(RUNTIME_PATH):])
            if asset is None:
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            else:
                self._reply_bytes(job, b"text/javascript;charset=utf-8", _runtime_asset(asset))
            return
        file = self._resolve(path)
        if file is None:
            log.info("refused or missing: %s", url.toString())
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        try:
            fd = open_regular(file)
        except OSError:
            fd = "cannot be opened"
        if isinstance(fd, str):  # a FIFO or device swapped in: never opened, or never read
            log.warning("refused %s: it %s", url.toString(), fd)
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if self._check_document is not None and policy.is_document(mime):
            self._reply_document(job, mime, fd)
            return
        device = QFile(job)
        if not device.open(fd, QIODevice.OpenModeFlag.ReadOnly, QFile.FileHandleFlag.AutoCloseHandle):
            os.close(fd)
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)
            return
        job.reply(_content_type(mime), device)

    def _reply_document(self, job: QWebEngineUrlRequestJob, mime: str, fd: int) -> None:
        assert self._check_document is not None
        limit = policy.MAX_DOCUMENT_BYTES
        try:
            with os.fdopen(fd, "rb") as stream:  # a larger file is never read (one that grew, to the limit)
                data = stream.read(limit + 1) if os.fstat(fd).st_size <= limit else None
        except OSError:
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)
            return
        if data is None or len(data) > limit:
            decision = policy.Decision(allowed=False, reason=f"documents over {limit >> 20} MiB are not served "
                                                             "(each is read whole to be checked)")
        else:
            decision = self._check_document(mime, data)
        if not decision:
            self._on_refused(initiator_origin(job) or "", job.requestUrl().toString(), decision.reason)
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        assert data is not None
        if self._rewrite_document is not None:
            data = self._rewrite_document(mime, data)
        self._reply_bytes(job, f"{mime};charset=utf-8".encode(), data)

    @staticmethod
    def _reply_bytes(job: QWebEngineUrlRequestJob, mime: bytes, data: bytes) -> None:
        buffer = QBuffer(parent=job)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime, buffer)

    def _resolve(self, path: str) -> Path | None:
        if self._root is None:
            return None
        if path.endswith("/"):
            path += "index.html"
        candidate = (self._root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self._root) or not candidate.is_file():
            return None
        return candidate

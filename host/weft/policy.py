"""What a page may fetch, load, be served or navigate to: plain functions.

Qt-free. The webengine layer's overrides (the plugin's request lock, the
scheme handlers, the navigation lock) ask these functions and act on the
:class:`Decision`; every rule is covered by table-driven unit tests in
``tests/unit/test_policy.py``.

Origins are strings ``scheme://host[:port]`` with the scheme's default port
left out; ``None`` stands for "no initiator" (a navigation the host itself
started: ``page.load``, reload, back and forward) and ``"null"`` for an
opaque origin (``data:`` documents, sandboxed frames).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

import attrs

OPAQUE = "null"
"""How an opaque origin (``data:``, sandboxed frames) is written."""

_LOCAL_SCHEMES = frozenset({"data", "blob"})


@attrs.frozen(kw_only=True)
class Decision:
    """A rule's answer."""

    allowed: bool
    reason: str
    """Why, in a few words (for the audit log when refused)."""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(allowed=True, reason="allowed")


def plugin_request(url_scheme: str, url_origin: str, own: str, granted: frozenset[str]) -> Decision:
    """May a plugin whose origin is ``own`` make a request to ``url_origin``?

    Its own origin and the remote origins its manifest lists exactly pass;
    ``data:`` and ``blob:`` are made by the page itself and leave nothing.
    """
    if url_scheme in _LOCAL_SCHEMES or url_origin == own or url_origin in granted:
        return ALLOWED
    return Decision(allowed=False, reason="origin not in capabilities.origins")


def navigation(own: str | None, target: str, main_frame: bool) -> Decision:
    """May a page whose document came from ``own`` navigate a frame to an
    origin ``target``?

    Its main frame stays on its origin (``own`` None: a page not yet
    loaded, which may go anywhere the host sends it). Subframes navigate as
    the web lets them; a plugin's Content-Security-Policy limits where.
    Who may start a main-frame navigation is :func:`serve`'s business.
    """
    if not main_frame or own is None or target == own:
        return ALLOWED
    return Decision(allowed=False, reason=f"outside {own}")


def permission(name: str, granted: frozenset[str], asker: str, own: str | None) -> Decision:
    """May a page on origin ``own`` be granted web permission ``name``, which
    a document of origin ``asker`` asked for?

    Only the page's own documents are: a permission is granted by its
    type, so a frame of another origin (an embedded page) asking for
    notifications would otherwise post them in the app's name.
    """
    if own is None or asker != own:
        return Decision(allowed=False, reason=f"asked by {asker}, not by the page's own origin")
    if name in granted:
        return ALLOWED
    return Decision(allowed=False, reason="not granted")


def serve(own: str, initiator: str | None) -> Decision:
    """May weft's scheme handler for ``own`` answer a request whose
    initiator is ``initiator``?

    Only the origin itself (and the host's own navigations, which have no
    initiator) read its files: a foreign frame, a ``data:`` document or a
    sandboxed (opaque) frame gets nothing.
    """
    if initiator is None or initiator == own:
        return ALLOWED
    if initiator == OPAQUE:
        return Decision(allowed=False, reason=f"an opaque origin may not read {own}")
    return Decision(allowed=False, reason=f"{initiator} may not read {own}")


def plugin_headers(own: str, granted: Iterable[str], nonce: str) -> dict[str, str]:
    """Response headers for every document and script a plugin is served.

    The Content-Security-Policy is the second lock on where a plugin's
    requests go: the renderer applies it to every fetch, worker and
    WebTransport session the plugin makes, and to every redirect *before*
    following it (the request interceptor sees a redirect only after the
    connection is made). ``data:`` and ``blob:`` are made by the page and
    leave nothing. Forms stay on the plugin's own origin.

    It also keeps the plugin's code in realms the lockdown script has
    locked (Qt injects it into the documents a plugin is served, never into
    one a ``javascript:`` URL makes, nor an ``about:blank`` frame): no
    frames or objects at all, and scripts only from files, from the inline
    ``<script>`` elements of its served HTML (each carries ``nonce``, see
    :func:`with_nonce`), ``eval`` and event-handler attributes, which all
    run where they are written. A ``javascript:`` URL, which would make a
    document with a fresh realm, has no nonce and never runs.
    """
    remote = " ".join(sorted(granted))
    here = f"'self' {own}"
    directives = {
        "default-src": f"{here} 'unsafe-inline' 'unsafe-eval' data: blob: {remote}",
        "script-src": f"{here} 'nonce-{nonce}' 'unsafe-eval' data: blob: {remote}",
        "script-src-attr": "'unsafe-inline'",
        "connect-src": f"{here} data: blob: {remote}",
        "frame-src": "'none'",
        "object-src": "'none'",
        "worker-src": f"{here} data: blob:",
        "form-action": here,
        "base-uri": here,
    }
    csp = "; ".join(f"{name} {value.strip()}" for name, value in directives.items())
    return {"Content-Security-Policy": csp}


#: Types a browser parses into a document (HTML, XML, SVG, XSLT); a plugin's
#: are served as UTF-8 whatever they declare, so that what is checked below
#: is what the browser reads. Not the whole list: see :func:`is_document`.
DOCUMENT_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
    "text/xsl", "application/xslt+xml",
})
#: Types a browser never parses into a document of its own: a plugin's files
#: of these types are served as they are, unread. Every other type is checked
#: as a document (Chromium renders any ``+xml`` type as XML: Atom, MathML, ...).
_NEVER_DOCUMENTS = ("image/", "audio/", "video/", "font/")
_PLAIN_TYPES = frozenset({
    "text/css", "text/javascript", "application/javascript", "application/json", "application/wasm",
    "text/plain", "application/octet-stream",
})

#: The largest plugin document served: each is read whole, in the host, to be
#: checked (a larger one is refused, never read).
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024


def is_document(mime: str) -> bool:
    """Whether a plugin's file of this type must pass :func:`plugin_document`."""
    if mime in DOCUMENT_TYPES:
        return True
    return not (mime in _PLAIN_TYPES or mime.startswith(_NEVER_DOCUMENTS))
_HINT_WORDS = ("preconnect", "dns-prefetch")
_XML_TRICKS = ("<!entity", "xml-stylesheet")
#: Elements that make a nested document, and with it a realm the lockdown
#: script may not reach before the plugin's code does.
FRAME_TAGS = ("iframe", "frame", "frameset", "object", "embed", "fencedframe", "portal")


def plugin_document(mime: str, data: bytes) -> Decision:
    """May a plugin be served this document?

    ``<link rel=preconnect>`` (and dns-prefetch) make the browser connect
    with no request that any lock sees, and the parser acts on them before
    any script runs; so a plugin's document may not name them at all, even
    behind character references. XML entities and XSLT stylesheets, which
    could build the word at parse time, are refused too.
    """
    if not is_document(mime):
        return ALLOWED
    text = _decoded(data)
    import html  # only plugin documents are read so: not at startup

    folded = html.unescape(text).lower()
    for word in _HINT_WORDS:
        if word in folded:
            return Decision(allowed=False, reason=f"plugin documents may not use resource hints ({word})")
    for trick in _XML_TRICKS:
        if trick in folded:
            return Decision(allowed=False, reason=f"plugin documents may not use {trick.lstrip('<!')}")
    for tag in FRAME_TAGS:
        if re.search(rf"<{tag}[\s/>]", folded):
            return Decision(allowed=False, reason=f"plugins may not use frames (<{tag}>)")
    return ALLOWED


def with_nonce(mime: str, data: bytes, nonce: str) -> bytes:
    """A plugin's HTML document with ``nonce`` on each ``<script>`` start tag,
    so that its inline scripts run under :func:`plugin_headers`' policy;
    other documents as they are. Served as UTF-8 (as :func:`plugin_document`
    reads it). A tag this misses fails safe: its script does not run."""
    if mime != "text/html":
        return data
    text = _decoded(data)
    from html.parser import HTMLParser  # only plugin documents are read so: not at startup

    starts: list[tuple[int, int]] = []

    class _Scripts(HTMLParser):
        # As a browser reads them: no tags inside these (raw text, or text
        # with character references), so "<script>" there is only text.
        CDATA_CONTENT_ELEMENTS = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
                                  "noscript")

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag == "script":
                starts.append(self.getpos())

    parser = _Scripts(convert_charrefs=False)
    parser.feed(text)
    parser.close()
    line_starts = [0]  # the parser counts lines by "\n" alone
    for line in text.split("\n"):
        line_starts.append(line_starts[-1] + len(line) + 1)
    out, done = [], 0
    for line, column in starts:
        at = line_starts[line - 1] + column + len("<script")
        if text[at - len("<script"):at].lower() != "<script":
            continue  # not where the parser said: left alone, so it does not run
        out += [text[done:at], f' nonce="{nonce}"']
        done = at
    out.append(text[done:])
    return "".join(out).encode("utf-8")


def _decoded(data: bytes) -> str:
    """A plugin document's text: UTF-16 after its byte-order mark, else UTF-8."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


#: Chromium's console words for a script its Content-Security-Policy did
#: not run, and what each refused.
_SCRIPT_REFUSALS = {
    "Refused to run the JavaScript URL": "a javascript: URL",
    "Refused to execute inline script": "an inline script without the page's nonce",
    "Refused to execute inline event handler": "an inline event handler",
    "Refused to evaluate": "eval",
}


def csp_script_refusal(message: str) -> str | None:
    """What script a Content-Security-Policy refusal on the console (see
    :func:`csp_refusal`) kept from running, if ``message`` is one."""
    if "Content Security Policy" not in message:
        return None
    return next((what for start, what in _SCRIPT_REFUSALS.items() if message.startswith(start)), None)


def csp_refusal(message: str) -> str | None:
    """The URL a Content-Security-Policy refusal names, if ``message`` (a
    console message from Chromium) is one; ``""`` for the second line
    Chromium adds for a refused ``fetch()``; else None.

    Chromium reports each refusal on the page's console, as in "Refused to
    connect to 'https://x/' because it violates the following Content
    Security Policy directive: ...". (A page can print such a line itself;
    it can only make a record against its own plugin.)
    """
    if "Content Security Policy" not in message:
        return None
    if message.startswith("Fetch API cannot load "):
        return ""  # the same refusal again, said for fetch(): already counted
    if not message.startswith("Refused to ") or csp_script_refusal(message) is not None:
        return None  # a script that did not run is no request
    start = message.find("'")
    end = message.find("'", start + 1)
    return message[start + 1:end] if 0 <= start < end else None

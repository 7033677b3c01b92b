"""The sandbox rules as plain functions: table-driven, no Qt, no pages."""

from __future__ import annotations

import pytest

from weft import policy

OWN = "plugin://notes"
GRANTED = frozenset({"https://api.example.com", "http://127.0.0.1:8080"})


@pytest.mark.parametrize(("scheme", "origin", "allowed"), [
    ("plugin", OWN, True),
    ("https", "https://api.example.com", True),
    ("http", "http://127.0.0.1:8080", True),
    ("data", "data://", True),
    ("blob", "blob://", True),
    ("https", "https://api.example.com:444", False),
    ("http", "http://127.0.0.1:8081", False),
    ("wss", "wss://api.example.com", False),
    ("plugin", "plugin://other", False),
    ("app", "app://localhost", False),
    ("file", "file://", False),
])
def test_a_plugin_requests_only_its_own_and_granted_origins(scheme: str, origin: str, allowed: bool) -> None:
    decision = policy.plugin_request(scheme, origin, OWN, GRANTED)
    assert decision.allowed is allowed
    assert bool(decision) is allowed


@pytest.mark.parametrize(("initiator", "allowed", "reason"), [
    (None, True, "allowed"),
    ("app://localhost", True, "allowed"),
    ("null", False, "an opaque origin may not read app://localhost"),
    ("http://127.0.0.1:5000", False, "http://127.0.0.1:5000 may not read app://localhost"),
    ("plugin://notes", False, "plugin://notes may not read app://localhost"),
    ("app://localhost:1", False, "app://localhost:1 may not read app://localhost"),
])
def test_an_origin_serves_only_itself(initiator: str | None, allowed: bool, reason: str) -> None:
    assert policy.serve("app://localhost", initiator) == policy.Decision(allowed=allowed, reason=reason)


def test_the_plugin_policy_limits_destinations_and_keeps_code_in_locked_realms() -> None:
    headers = policy.plugin_headers(OWN, GRANTED, "n0nce")["Content-Security-Policy"]
    csp = dict(d.split(" ", 1) for d in headers.split("; "))
    assert csp["connect-src"] == "'self' plugin://notes data: blob: http://127.0.0.1:8080 https://api.example.com"
    assert "'unsafe-inline'" in csp["default-src"] and "'unsafe-eval'" in csp["default-src"]  # styles, eval
    # Inline scripts by the nonce only: a javascript: URL never runs. Event-handler attributes do.
    assert csp["script-src"] == ("'self' plugin://notes 'nonce-n0nce' 'unsafe-eval' data: blob: "
                                 "http://127.0.0.1:8080 https://api.example.com")
    assert csp["script-src-attr"] == "'unsafe-inline'"
    assert csp["frame-src"] == csp["object-src"] == "'none'"
    assert csp["form-action"] == csp["base-uri"] == "'self' plugin://notes"
    assert csp["worker-src"] == "'self' plugin://notes data: blob:"
    none = dict(d.split(" ", 1) for d in policy.plugin_headers(OWN, (), "n")["Content-Security-Policy"].split("; "))
    assert none["connect-src"] == "'self' plugin://notes data: blob:"


@pytest.mark.parametrize(("mime", "text", "allowed"), [
    ("text/html", "<link rel=stylesheet href=a.css><p>hello", True),
    ("text/html", "<link rel=preconnect href=https://x>", False),
    ("text/html", "<link rel='DNS-Prefetch' href=//x>", False),
    ("text/html", "<link rel=pre&#99;onnect href=https://x>", False),
    ("text/html", "<link rel=&#x70;reconnect href=https://x>", False),
    ("image/svg+xml", "<svg><!DOCTYPE x [<!ENTITY p 'pre'>]></svg>", False),
    ("text/xml", "<?xml-stylesheet href='x.xsl' type='text/xsl'?><a/>", False),
    ("text/javascript", "link.rel = 'preconnect'", True),  # scripts meet the lockdown instead
    ("text/html", "<p>an <IFRAME\nsrc=x>", False),
    ("text/html", "<frameset><frame src=a.html>", False),
    ("text/html", "<object data=x.svg></object>", False),
    ("text/html", "<embed src=x.svg>", False),
    ("text/html", "<fencedframe></fencedframe>", False),
    ("image/svg+xml", "<svg><foreignObject><iframe/></foreignObject></svg>", False),
    ("text/html", "<p>iframes, objects and embedded things are words</p><objection>", True),
    # Chromium renders any +xml type as XML, whatever the file's name says
    ("application/atom+xml", "<feed xmlns:h='http://www.w3.org/1999/xhtml'><h:link rel='preconnect'/></feed>", False),
    ("application/mathml+xml", "<math><mi>preconnect</mi></math>", False),
    ("application/x-unknown", "<link rel=preconnect href=https://x>", False),
    ("text/css", "/* preconnect */", True),
    ("image/png", "preconnect", True),
])
def test_plugin_documents_may_not_name_resource_hints_nor_frames(mime: str, text: str, allowed: bool) -> None:
    assert policy.plugin_document(mime, text.encode()).allowed is allowed


@pytest.mark.parametrize(("mime", "document"), [
    ("text/html", True), ("image/svg+xml", True), ("application/atom+xml", True), ("application/rss+xml", True),
    ("text/csv", True), ("message/rfc822", True), ("application/x-anything", True),
    ("image/png", False), ("font/woff2", False), ("video/mp4", False), ("audio/ogg", False), ("text/css", False),
    ("text/javascript", False), ("application/json", False), ("application/wasm", False), ("text/plain", False),
])
def test_every_type_a_browser_may_render_is_checked_as_a_document(mime: str, document: bool) -> None:
    assert policy.is_document(mime) is document


def test_each_script_tag_of_a_plugins_html_gets_the_nonce_and_nothing_else_does() -> None:
    page = ("<!DOCTYPE html>\r\n<title>a <script> in a title</title>\n<SCRIPT>one()</SCRIPT>\f<p>\u2028</p>\n"
            "<!-- <script>commented()</script> --><svg><script>two()</script></svg>"
            "<textarea><script></textarea><script src=three.js></script><script/src=four.js></script>"
            "<noscript><script></noscript><style>a::after { content: '<script>' }</style><script>five()</script>")
    served = policy.with_nonce("text/html", page.encode(), "N").decode()
    assert served.count(' nonce="N"') == 5
    for script in ["<SCRIPT nonce=\"N\">one()", "<script nonce=\"N\">two()", "<script nonce=\"N\" src=three.js>",
                   "<script nonce=\"N\"/src=four.js>", "<script nonce=\"N\">five()"]:
        assert script in served
    assert served.replace(' nonce="N"', "") == page
    utf16 = "\ufeff<script>é()</script>".encode("utf-16-le")
    assert policy.with_nonce("text/html", utf16, "N") == '<script nonce="N">é()</script>'.encode()
    assert policy.with_nonce("image/svg+xml", b"<svg><script>x()</script></svg>", "N") == (
        b"<svg><script>x()</script></svg>")  # XML documents as they are: their inline scripts do not run


def test_utf16_documents_are_read_as_the_browser_reads_them() -> None:
    data = "\ufeff<link rel=preconnect href=https://x>".encode("utf-16-le")
    assert not policy.plugin_document("text/html", data)


@pytest.mark.parametrize(("message", "url"), [
    ("Refused to connect to 'https://x/y' because it violates the following Content Security Policy directive: "
     "\"connect-src 'self'\".", "https://x/y"),
    ("Refused to frame 'http://127.0.0.1:1/' because it violates the following Content Security Policy directive",
     "http://127.0.0.1:1/"),
    ("Fetch API cannot load https://x/y. Refused to connect because it violates the document's Content Security "
     "Policy.", ""),
    ("Refused to connect to 'https://x/y' because of something else", None),
    ("hello 'world' Content Security Policy", None),
    # Scripts that did not run are no requests: left to the console.
    ("Refused to execute inline script because it violates the following Content Security Policy directive: "
     "\"script-src 'self' 'nonce-x'\".", None),
    ("Refused to run the JavaScript URL because it violates the following Content Security Policy directive: "
     "\"script-src 'self'\".", None),
])
def test_csp_refusals_are_read_from_the_console(message: str, url: str | None) -> None:
    assert policy.csp_refusal(message) == url


@pytest.mark.parametrize(("message", "what"), [
    ("Refused to run the JavaScript URL because it violates the following Content Security Policy directive: "
     "\"script-src 'self'\".", "a javascript: URL"),
    ("Refused to execute inline script because it violates the following Content Security Policy directive: "
     "\"script-src 'self' 'nonce-x'\".", "an inline script without the page's nonce"),
    ("Refused to connect to 'https://x/y' because it violates the following Content Security Policy directive: "
     "\"connect-src 'self'\".", None),
    ("Refused to run the JavaScript URL, said the page itself", None),
])
def test_scripts_the_policy_did_not_run_are_read_from_the_console(message: str, what: str | None) -> None:
    assert policy.csp_script_refusal(message) == what


@pytest.mark.parametrize(("own", "target", "main_frame", "allowed"), [
    ("app://localhost", "app://localhost", True, True),
    ("plugin://notes", "plugin://notes", True, True),
    (None, "https://example.com", True, True),  # not loaded yet: the host sends it where it wants
    ("app://localhost", "https://example.com", False, True),  # subframes: as the web (and CSP) allow
    ("app://localhost", "https://example.com", True, False),
    ("plugin://notes", "app://localhost", True, False),
    ("plugin://notes", "plugin://other", True, False),
    ("plugin://notes", "about://", True, False),
    ("app://localhost", "file://", True, False),
])
def test_a_main_frame_stays_on_its_origin(own: str | None, target: str, main_frame: bool, allowed: bool) -> None:
    decision = policy.navigation(own, target, main_frame)
    assert decision.allowed is allowed
    assert decision.reason == ("allowed" if allowed else f"outside {own}")


@pytest.mark.parametrize(("name", "allowed"), [("notifications", True), ("geolocation", False), ("", False)])
def test_permissions_are_those_granted(name: str, allowed: bool) -> None:
    assert policy.permission(name, frozenset({"notifications"}), "app://localhost", "app://localhost").allowed is allowed


@pytest.mark.parametrize(("asker", "own"), [
    ("https://ads.example", "app://localhost"),  # an embedded page
    ("null", "app://localhost"),                  # a sandboxed frame
    ("app://localhost", "plugin://notes"),
    ("plugin://other", "plugin://notes"),
    ("app://localhost", None),                    # a page not yet loaded
])
def test_only_the_page_s_own_origin_is_granted_a_permission(asker: str, own: str | None) -> None:
    decision = policy.permission("notifications", frozenset({"notifications"}), asker, own)
    assert (decision.allowed, decision.reason) == (False, f"asked by {asker}, not by the page's own origin")

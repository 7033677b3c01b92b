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


def test_the_plugin_policy_limits_destinations_not_coding_style() -> None:
    csp = dict(d.split(" ", 1) for d in policy.plugin_headers(OWN, GRANTED)["Content-Security-Policy"].split("; "))
    assert csp["connect-src"] == "'self' plugin://notes data: blob: http://127.0.0.1:8080 https://api.example.com"
    assert "'unsafe-inline'" in csp["default-src"] and "'unsafe-eval'" in csp["default-src"]
    assert csp["frame-src"] == csp["form-action"] == csp["base-uri"] == "'self' plugin://notes"
    assert csp["worker-src"] == "'self' plugin://notes data: blob:"
    none = dict(d.split(" ", 1) for d in policy.plugin_headers(OWN, ())["Content-Security-Policy"].split("; "))
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
])
def test_plugin_documents_may_not_name_resource_hints(mime: str, text: str, allowed: bool) -> None:
    assert policy.plugin_document(mime, text.encode()).allowed is allowed


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
])
def test_csp_refusals_are_read_from_the_console(message: str, url: str | None) -> None:
    assert policy.csp_refusal(message) == url


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
    assert policy.permission(name, frozenset({"notifications"})).allowed is allowed

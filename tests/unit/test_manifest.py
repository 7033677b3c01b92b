"""``plugin.toml`` is the plugin's whole grant of authority: anything unclear is refused."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from weft import ManifestError
from weft.plugins.manifest import Capabilities, Manifest, WindowSpec, parse_manifest

BASE_TOP = {"id": "notes", "name": "Notes", "version": "1.0.0", "entry": "index.html", "api": 1}
BASE_CAPABILITIES = {"send": ["notes:save"], "receive": ["notes:changed"]}
BASE_WINDOW = {"width": 640, "height": 480}
DROP = object()
"""An override value that removes the key from the base manifest."""


def _table(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> str:
    # JSON strings, numbers, booleans and arrays are valid TOML values too.
    merged = {**base, **overrides}
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in merged.items() if value is not DROP)


def write_plugin(
    folder: Path,
    *,
    capabilities: Mapping[str, Any] | None = MappingProxyType({}),
    window: Mapping[str, Any] | None = MappingProxyType({}),
    **top: Any,
) -> Path:
    """Write a valid plugin (manifest and ``index.html``) into ``folder``, changed by
    the overrides; ``None`` for a table leaves that table out. Returns the manifest."""
    text = _table(BASE_TOP, top)
    if capabilities is not None:
        text += "[capabilities]\n" + _table(BASE_CAPABILITIES, capabilities)
    if window is not None:
        text += "[window]\n" + _table(BASE_WINDOW, window)
    (folder / "index.html").write_text("<!doctype html>")
    manifest = folder / "plugin.toml"
    manifest.write_text(text)
    return manifest


def refused(folder: Path, field: str) -> ManifestError:
    """Parse ``folder``, expecting a refusal of ``field`` that names the manifest."""
    with pytest.raises(ManifestError) as info:
        parse_manifest(folder)
    manifest = folder.resolve() / "plugin.toml"
    assert info.value.field == field
    assert info.value.path == manifest
    assert str(info.value).startswith(f"{manifest}: {field}: " if field else f"{manifest}: ")
    return info.value


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A plugin folder with room outside it (``tmp_path``) for files it must not reach."""
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    return plugin


def test_valid_manifest_parses(folder: Path) -> None:
    write_plugin(
        folder,
        capabilities={"permissions": ["notifications"], "origins": ["https://api.example.com"]},
        window={"visible": False, "title": "My notes"},
    )
    assert parse_manifest(str(folder)) == Manifest(
        id="notes", name="Notes", version="1.0.0", entry="index.html", api=1, folder=folder.resolve(),
        capabilities=Capabilities(
            send=frozenset({"notes:save"}), receive=frozenset({"notes:changed"}),
            permissions=frozenset({"notifications"}), origins=frozenset({"https://api.example.com"}),
        ),
        window=WindowSpec(visible=False, title="My notes", width=640, height=480),
    )


def test_omitted_tables_take_defaults(folder: Path) -> None:
    write_plugin(folder, capabilities=None, window=None)
    manifest = parse_manifest(folder)
    assert manifest.capabilities == Capabilities()
    assert isinstance(manifest.capabilities.send, frozenset)
    assert manifest.window == WindowSpec(visible=True, title="Notes", width=480, height=360)


def test_folder_is_resolved(folder: Path) -> None:
    write_plugin(folder)
    (folder / "sub").mkdir()
    assert parse_manifest(folder / "sub" / "..").folder == folder.resolve()


def test_missing_manifest(folder: Path) -> None:
    assert "no such file" in str(refused(folder, ""))


def test_invalid_toml(folder: Path) -> None:
    (folder / "plugin.toml").write_text('id = "notes"\nname = \n')
    assert "not valid TOML" in str(refused(folder, ""))


# Bug: only FileNotFoundError and TOMLDecodeError are caught, so these escape as
# UnicodeDecodeError / IsADirectoryError instead of a ManifestError.
@pytest.mark.parametrize("make", [
    pytest.param(lambda f: (f / "plugin.toml").write_bytes(b'id = "\xff"\n'), id="not-utf8"),
    pytest.param(lambda f: (f / "plugin.toml").mkdir(), id="manifest-is-a-folder"),
])
def test_unreadable_manifest(folder: Path, make: Callable[[Path], object]) -> None:
    make(folder)
    refused(folder, "")


# Each case: overrides of the valid base manifest, and the field that is refused.
REFUSALS = [
    *(pytest.param({key: DROP}, key, id=f"missing-{key}") for key in BASE_TOP),
    pytest.param({"api": "1"}, "api", id="api-string"),
    pytest.param({"api": True}, "api", id="api-bool"),
    pytest.param({"api": 0}, "api", id="api-0"),
    pytest.param({"api": 2}, "api", id="api-2"),
    pytest.param({"name": " "}, "name", id="name-blank"),
    pytest.param({"capabilities": {"send": "x"}}, "capabilities.send", id="send-string"),
    pytest.param({"capabilities": {"send": [1]}}, "capabilities.send[0]", id="send-int"),
    pytest.param({"window": {"visible": "yes"}}, "window.visible", id="visible-string"),
    pytest.param({"window": {"width": 1.5}}, "window.width", id="width-float"),
    *(pytest.param({"id": bad}, "id", id=f"id-{label}") for label, bad in [
        ("upper", "Notes"), ("underscore", "my_notes"), ("leading-dash", "-notes"),
        ("trailing-dash", "notes-"), ("empty", ""), ("65-chars", "a" * 65),
    ]),
    pytest.param({"version": "1.2"}, "version", id="version-short"),
    pytest.param({"version": "v1.2.0"}, "version", id="version-v"),
    pytest.param({"bogus": 1}, "bogus", id="unknown-top"),
    pytest.param({"capabilities": {"bogus": 1}}, "capabilities.bogus", id="unknown-capabilities"),
    pytest.param({"window": {"bogus": 1}}, "window.bogus", id="unknown-window"),
    *(pytest.param({"capabilities": {key: ["ok", bad]}}, f"capabilities.{key}[1]", id=f"{key}-{bad or 'empty'}")
      for key in ("send", "receive")
      for bad in ("notes:*", "*", "a?b", "close", "resize", "runtime:x", "weft:x", "")),
    pytest.param({"capabilities": {"send": ["a", "a"]}}, "capabilities.send", id="send-duplicate"),
    pytest.param({"capabilities": {"receive": ["a", "a"]}}, "capabilities.receive", id="receive-duplicate"),
    *(pytest.param({"entry": bad}, "entry", id=f"entry-{bad}")
      for bad in ("../x.html", "/etc/passwd", "sub/../../x.html", "absent.html")),
    pytest.param({"capabilities": {"permissions": ["camera"]}}, "capabilities.permissions[0]", id="perm-unknown"),
    *(pytest.param({"capabilities": {"origins": [bad]}}, "capabilities.origins[0]", id=f"origin-{bad}") for bad in (
        "https://a.com/x", "https://*.a.com", "a.com", "file:///etc", "ftp://a.com",
        "https://a.com:0", "https://a.com:70000", "https://a.com/",
    )),
    *(pytest.param({"window": {key: bad}}, f"window.{key}", id=f"{key}-{bad}")
      for key in ("width", "height") for bad in (0, 10001)),
]


@pytest.mark.parametrize(("overrides", "field"), REFUSALS)
def test_refused(folder: Path, overrides: dict[str, Any], field: str) -> None:
    (folder.parent / "x.html").write_text("outside")  # so '../x.html' exists yet is refused
    write_plugin(folder, **overrides)
    refused(folder, field)


def test_entry_symlink_leading_outside_is_refused(folder: Path) -> None:
    outside = folder.parent / "outside.html"
    outside.write_text("outside")
    (folder / "link.html").symlink_to(outside)
    write_plugin(folder, entry="link.html")
    assert "outside" in str(refused(folder, "entry"))


@pytest.mark.parametrize("overrides", [
    pytest.param({"id": "a" * 64}, id="id-64-chars"),
    pytest.param({"id": "a-1"}, id="id-dash-inside"),
    pytest.param({"version": "1.2.0-beta.1"}, id="version-prerelease"),
    pytest.param({"entry": "sub/page.html"}, id="entry-in-subfolder"),
    pytest.param({"capabilities": {"permissions": ["notifications", "geolocation"]}}, id="permissions"),
    pytest.param({"capabilities": {"origins": [
        "https://api.example.com", "http://127.0.0.1:8080", "wss://x.example.org:9443",
    ]}}, id="origins"),
    pytest.param({"window": {"width": 1, "height": 10000}}, id="window-bounds"),
])
def test_accepted(folder: Path, overrides: dict[str, Any]) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "page.html").write_text("<!doctype html>")
    write_plugin(folder, **overrides)
    manifest = parse_manifest(folder)
    for key, value in overrides.items():
        if isinstance(value, dict):
            for inner, expected in value.items():
                assert getattr(getattr(manifest, key), inner) == (
                    frozenset(expected) if isinstance(expected, list) else expected)
        else:
            assert getattr(manifest, key) == value

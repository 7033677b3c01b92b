"""``plugin.toml``: what a plugin is and what it may do.

Parsed with the standard library's TOML reader into frozen attrs classes.
Validation is strict, because the manifest is the plugin's whole grant of
authority: unknown keys, wildcard or reserved channel names, entries outside
the plugin's folder, unknown permissions, origins that are not exact and
unsupported ``api`` versions are all refused with a :class:`~weft.ManifestError`
that names the file and the field.

The manifest and the entry must be regular files: a FIFO, socket, device or
folder is refused without reading it (nor, for a FIFO, waiting on it), and
``plugin.toml`` may be at most :data:`MANIFEST_MAX_BYTES`. Both are opened
non-blocking and checked again with ``fstat`` on the open descriptor, so a
file swapped after the first look is caught too; the manifest is read to at
most one byte past its cap. :func:`weft.plugins.load` reads on the event
loop's thread, so none of this may wait.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import attrs

from ..errors import ArgumentError, ChannelError, ManifestError
from ..files import open_regular, read_regular
from ..ipc.codec import check_channel

MANIFEST_NAME = "plugin.toml"
MANIFEST_MAX_BYTES = 64 * 1024
"""Largest ``plugin.toml`` read; a real one is well under 2 KiB."""
SUPPORTED_API = frozenset({1})
# A letter first: an id of digits (or 0x...) would make plugin://<id>/ an IPv4
# address ("2130706433" and "0x7f000001" are both 127.0.0.1 to a URL parser).
ID_PATTERN = re.compile(r"[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?")
VERSION_PATTERN = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.-]+)?")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
ORIGIN_PATTERN = re.compile(
    rf"(https?|wss?)://({_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:]*:[0-9a-f:]*\])(?::([0-9]{{1,5}}))?"
)

#: Web permissions a manifest may ask for, by the name it uses.
PERMISSIONS = frozenset({
    "notifications", "geolocation", "audio-capture", "video-capture", "audio-video-capture",
    "desktop-video-capture", "desktop-audio-video-capture", "mouse-lock", "clipboard-read-write",
    "local-fonts",
})


def _names(value: Any) -> frozenset[str]:
    """A field of :class:`Capabilities` from any collection of strings (a
    host's ``allow=`` may be written with lists or sets)."""
    names = frozenset(value) if hasattr(value, "__iter__") and not isinstance(value, str) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise ArgumentError(f"a capability is a collection of names (strings), not {value!r}")
    return names


@attrs.frozen(kw_only=True)
class Capabilities:
    """What the plugin may do beyond showing its own files; also what a host
    allows any plugin (``plugins.load(path, allow=...)``)."""

    send: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    """Channels it may send or invoke towards the host."""
    receive: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    """Channels the host may deliver to it (send_to_window, invoke)."""
    permissions: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    """Web permissions it may be granted; every other request is denied."""
    origins: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    """Remote origins it may fetch from, exactly (``https://api.example.com``)."""


_CAPABILITY_FIELDS = ("send", "receive", "permissions", "origins")


def beyond(asked: Capabilities, allowed: Capabilities) -> dict[str, list[str]]:
    """What ``asked`` holds that ``allowed`` does not, by field (sorted;
    fields with nothing extra left out): empty when it asks for no more."""
    extra = {name: sorted(getattr(asked, name) - getattr(allowed, name)) for name in _CAPABILITY_FIELDS}
    return {name: values for name, values in extra.items() if values}


@attrs.frozen(kw_only=True)
class WindowSpec:
    """The plugin's window; ``visible = false`` makes a headless page."""

    visible: bool = True
    title: str = ""
    width: int = 480
    height: int = 360


@attrs.frozen(kw_only=True)
class StorageSpec:
    """What the plugin's pages keep between runs."""

    persistent: bool = False
    """``localStorage``, IndexedDB, cookies and cache kept on disk, in a
    profile of its own (never the app's or another plugin's); False: an
    off-the-record profile, emptied when the plugin stops."""


@attrs.frozen(kw_only=True)
class Manifest:
    """A validated ``plugin.toml``."""

    id: str
    """``[a-z0-9-]``, starting with a letter; the plugin's origin is ``plugin://<id>/``."""
    name: str
    version: str
    entry: str
    """Path of its first page, inside its folder."""
    api: int
    """Major version of the weft protocol it speaks."""
    folder: Path
    """The plugin's folder (resolved); the only files it is served from."""
    capabilities: Capabilities = Capabilities()
    window: WindowSpec = WindowSpec()
    storage: StorageSpec = StorageSpec()


#: What TOML calls a Python value's kind, for messages (tomllib's types).
_TOML_KINDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list",
               dict: "a table"}


def _toml_kind(value: Any) -> str:
    return next((name for kind, name in _TOML_KINDS.items() if type(value) is kind), type(value).__name__)


class _Reader:
    """Reads one table of the manifest, remembering which keys it used."""

    def __init__(self, path: Path, table: dict[str, Any], prefix: str = "") -> None:
        self.path = path
        self.table = table
        self.prefix = prefix
        self.used: set[str] = set()

    def fail(self, key: str, problem: str) -> ManifestError:
        return ManifestError(self.path, self.prefix + key, problem)

    def get(self, key: str, kind: type, default: Any = attrs.NOTHING) -> Any:
        self.used.add(key)
        if key not in self.table:
            if default is attrs.NOTHING:
                raise self.fail(key, "missing (required)")
            return default
        value = self.table[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(key, f"must be {_TOML_KINDS[kind]}, not {_toml_kind(value)}")
        return value

    def strings(self, key: str) -> list[str]:
        values = self.get(key, list, [])
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise self.fail(f"{key}[{index}]", f"must be a string, not {_toml_kind(value)}")
        if len(set(values)) != len(values):
            raise self.fail(key, "lists a name twice")
        return values

    def table_of(self, key: str) -> _Reader:
        return _Reader(self.path, self.get(key, dict, {}), f"{self.prefix}{key}.")

    def finish(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.fail(unknown[0], f"unknown key (known: {', '.join(sorted(self.used))})")


def _channels(reader: _Reader, key: str) -> frozenset[str]:
    names = reader.strings(key)
    for index, name in enumerate(names):
        if any(mark in name for mark in "*?[]{}"):
            raise reader.fail(f"{key}[{index}]", f"{name!r}: channels are exact names; wildcards are not allowed")
        try:
            check_channel(name, from_page=True)
        except ChannelError as exc:
            raise reader.fail(f"{key}[{index}]", str(exc)) from None
    return frozenset(names)


def _origins(reader: _Reader) -> frozenset[str]:
    names = reader.strings("origins")
    for index, origin in enumerate(names):
        match = ORIGIN_PATTERN.fullmatch(origin)
        if match is None or (match.group(3) and not 0 < int(match.group(3)) < 65536):
            raise reader.fail(
                f"origins[{index}]",
                f"{origin!r} is not an exact origin like 'https://api.example.com' or 'http://127.0.0.1:8080' "
                "(scheme http, https, ws or wss; host; optional port; no path, no wildcard)",
            )
    return frozenset(names)


def _read_manifest(path: Path) -> bytes:
    """The bytes of ``plugin.toml``: a regular file of at most MANIFEST_MAX_BYTES."""
    too_large = f"is larger than {MANIFEST_MAX_BYTES} bytes, the most a {MANIFEST_NAME} may be"
    try:
        data = read_regular(path, MANIFEST_MAX_BYTES)
    except FileNotFoundError:
        raise ManifestError(path, "", "no such file: a plugin is a folder with a plugin.toml") from None
    except OSError as exc:
        raise ManifestError(path, "", f"cannot be read: {exc.strerror or exc}") from None
    if isinstance(data, str):
        raise ManifestError(path, "", data)
    if len(data) > MANIFEST_MAX_BYTES:
        raise ManifestError(path, "", too_large)
    return data


def _entry(reader: _Reader, folder: Path) -> str:
    entry = reader.get("entry", str)
    if not entry or entry.startswith(("/", "\\")) or "\\" in entry or ".." in Path(entry).parts:
        raise reader.fail("entry", f"{entry!r} must be a relative path inside the plugin's folder")
    target = (folder / entry).resolve()
    if not target.is_relative_to(folder):
        raise reader.fail("entry", f"{entry!r} leads outside the plugin's folder")
    # Opened (non-blocking, not through a symlink swapped in after resolve)
    # only to see what it is; its bytes are the scheme handler's to serve.
    try:
        opened = open_regular(target, follow=False)
    except FileNotFoundError:
        raise reader.fail("entry", f"{entry!r} does not exist in {folder}") from None
    except OSError as exc:
        raise reader.fail("entry", f"{entry!r} cannot be opened: {exc.strerror or exc}") from None
    if isinstance(opened, str):
        raise reader.fail("entry", f"{entry!r} {opened}")
    os.close(opened)
    return entry


def parse_manifest(folder: str | Path) -> Manifest:
    """Read and validate ``<folder>/plugin.toml``."""
    folder = Path(folder).expanduser().resolve()
    path = folder / MANIFEST_NAME
    raw = _read_manifest(path)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(path, "", f"not valid TOML: {exc}") from None
    top = _Reader(path, data)
    plugin_id = top.get("id", str)
    if not ID_PATTERN.fullmatch(plugin_id):
        raise top.fail("id", f"{plugin_id!r} must be 1 to 64 of [a-z0-9-], starting with a letter and not "
                             "ending with '-' (an id of digits would make plugin://<id>/ an IP address)")
    name = top.get("name", str)
    if not name.strip():
        raise top.fail("name", "must not be empty")
    version = top.get("version", str)
    if not VERSION_PATTERN.fullmatch(version):
        raise top.fail("version", f"{version!r} is not a version like '1.2.0'")
    api = top.get("api", int)
    if api not in SUPPORTED_API:
        raise top.fail("api", f"{api} is not supported (this weft speaks api {sorted(SUPPORTED_API)})")
    entry = _entry(top, folder)

    caps = top.table_of("capabilities")
    permissions = caps.strings("permissions")
    for index, permission in enumerate(permissions):
        if permission not in PERMISSIONS:
            raise caps.fail(f"permissions[{index}]", f"{permission!r} is not one of {sorted(PERMISSIONS)}")
    capabilities = Capabilities(
        send=_channels(caps, "send"), receive=_channels(caps, "receive"),
        permissions=frozenset(permissions), origins=_origins(caps),
    )
    caps.finish()

    win = top.table_of("window")
    window = WindowSpec(
        visible=win.get("visible", bool, True), title=win.get("title", str, name),
        width=win.get("width", int, 480), height=win.get("height", int, 360),
    )
    for key in ("width", "height"):
        if not 0 < getattr(window, key) <= 10_000:
            raise win.fail(key, "must be between 1 and 10000 pixels")
    win.finish()

    kept = top.table_of("storage")
    storage = StorageSpec(persistent=kept.get("persistent", bool, False))
    kept.finish()
    top.finish()
    return Manifest(id=plugin_id, name=name, version=version, entry=entry, api=api, folder=folder,
                    capabilities=capabilities, window=window, storage=storage)

"""``weft.toml``: who an app is.

In the app's folder, read by ``weft run``, ``weft dev`` and ``weft package``
(their flags, and ``weft.run(...)``'s keywords, override it)::

    [app]
    id = "org.example.shelf"     # reverse-DNS; default: from the folder name
    name = "Shelf"
    version = "0.1.0"            # 1 to 4 numbers, maybe a -pre or +build: "1.0", "2.0.0-beta.1"
    icon = "icon.png"            # an image, relative to the app folder (PNG or SVG: what desktops take)
    single_instance = true
    protocols = ["shelf"]        # deep-link schemes: shelf://...
    locales = ["en-US", "de"]    # Chromium locales `weft package` keeps (en-US always); default: all

Every key is optional; a folder without the file gets the defaults, derived
from its name as ``weft new`` derives them (``my_app`` → ``My App``,
``org.example.my-app``). Validation is as strict as a plugin manifest's:
an unknown key, a value of the wrong kind or form is one
:class:`~weft.ConfigError` naming the file and the field. Qt-free.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs

from .errors import ConfigError
from .files import read_regular

CONFIG_NAME = "weft.toml"
CONFIG_MAX_BYTES = 64 * 1024

# Reverse-DNS, as a macOS bundle id, a Windows AppUserModelID and a
# freedesktop desktop-file id all accept: two or more dot-separated parts of
# ASCII letters, digits, '-' and '_', none starting with a digit.
ID_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)+")
VERSION_PATTERN = re.compile(r"[0-9]+(?:\.[0-9]+){0,3}(?:[-+][0-9A-Za-z.-]+)?")
# Two characters at least: "c:" is a Windows drive, not a link.
SCHEME_PATTERN = re.compile(r"[a-z][a-z0-9+.-]+")
#: A Chromium locale name, as its ``qtwebengine_locales/<name>.pak``: a
#: language, and a region or a UN M.49 area ("de", "pt-BR", "es-419", "fil").
LOCALE_PATTERN = re.compile(r"[a-z]{2,3}(?:-(?:[A-Z]{2}|[0-9]{3}))?")
#: Schemes an app may not claim: the web's own, and weft's.
RESERVED_SCHEMES = frozenset({"http", "https", "file", "ftp", "data", "blob", "javascript", "about", "mailto",
                              "ws", "wss", "app", "plugin", "weft", "chrome", "devtools", "qrc"})


@attrs.frozen(kw_only=True)
class AppConfig:
    """Who the app is; every field checked."""

    id: str
    """Reverse-DNS id: names its data folders, its single-instance lock and
    its desktop entry."""
    name: str
    """For people: window titles, the desktop entry, notifications."""
    version: str = "0.1.0"
    icon: Path | None = None
    """An image file in the app folder (absolute once loaded)."""
    single_instance: bool = False
    """A second launch hands its arguments to the running one and exits."""
    protocols: tuple[str, ...] = ()
    """Deep-link URL schemes the app opens (``shelf`` for ``shelf://...``)."""
    locales: tuple[str, ...] = ()
    """Chromium locale names whose UI strings ``weft package`` keeps (en-US,
    Chromium's fallback, always); empty keeps all."""

    def replace(self, **values: Any) -> AppConfig:
        """This config with ``values`` (from flags or keywords; ``None``
        leaves a field as it is), checked as the file is."""
        given = {key: value for key, value in values.items() if value is not None}
        unknown = sorted(set(given) - set(attrs.fields_dict(AppConfig)))
        if unknown:
            raise ConfigError("weft.run", unknown[0], f"not an app setting; known: {_KNOWN}")
        return _checked("weft.run", {**attrs.asdict(self, recurse=False), **given}, base=None)


_KNOWN = ", ".join(attrs.fields_dict(AppConfig))


def defaults(folder_name: str) -> AppConfig:
    """The config of an app folder named ``folder_name`` that has no
    ``weft.toml`` (or leaves out ``id`` and ``name``)."""
    words = [word for word in re.split(r"[\W_]+", folder_name) if word] or ["app"]
    title = " ".join(word[0].upper() + word[1:] for word in words)[:100]
    # The id is ASCII: what is not (accents, other scripts) is left out.
    slug = "-".join(re.sub(r"[^a-z0-9]+", "", word.lower()) for word in words).strip("-")
    slug = re.sub(r"-{2,}", "-", slug) or "app"
    if slug[0].isdigit():
        slug = "app-" + slug
    return AppConfig(id=f"org.example.{slug}", name=title)


def load(folder: Path) -> AppConfig:
    """The config of the app in ``folder``: its ``weft.toml``, over the defaults."""
    folder = Path(folder)
    path = folder / CONFIG_NAME
    base = defaults(folder.resolve().name)
    if not path.exists():
        return base
    try:
        raw = read_regular(path, CONFIG_MAX_BYTES)
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read it: {exc.strerror or exc}") from None
    if isinstance(raw, str):
        raise ConfigError(path, "", f"cannot read it: it {raw}")
    if len(raw) > CONFIG_MAX_BYTES:
        raise ConfigError(path, "", f"larger than {CONFIG_MAX_BYTES} bytes")
    import tomllib  # here: an app without a weft.toml never pays for it at startup

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"app"})
    if unknown and not isinstance(data[unknown[0]], dict):
        raise ConfigError(path, unknown[0], "outside [app]: weft.toml's keys go under its [app] line")
    if unknown:
        raise ConfigError(path, unknown[0], "unknown table; weft.toml has [app]")
    table = data.get("app", {})
    if not isinstance(table, dict):
        raise ConfigError(path, "app", "must be a table ([app])")
    for key in table:
        if key not in attrs.fields_dict(AppConfig):
            raise ConfigError(path, f"app.{key}", f"unknown key; known: {_KNOWN}")
    return _checked(path, {**attrs.asdict(base, recurse=False), **table}, base=folder)


#: How each image format Qt reads for an icon begins.
_IMAGE_STARTS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"\x00\x00\x01\x00",
                 b"icns", b"/* XPM */")


def _is_image(path: Path) -> bool:
    """Whether ``path`` starts as an image file does (its first KiB; an SVG
    is XML text with an ``<svg`` element near its start)."""
    try:
        with path.open("rb") as file:
            head = file.read(1024)
    except OSError:
        return False
    if head.startswith(_IMAGE_STARTS) or head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return b"<svg" in head and text.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE"))


def _checked(source: object, values: dict[str, Any], base: Path | None) -> AppConfig:
    """An AppConfig of ``values``; ``base`` is the folder a relative icon is in."""
    prefix = "app." if base is not None else ""

    def fail(field: str, problem: str) -> ConfigError:
        return ConfigError(source, prefix + field, problem)

    app_id, name, version = values["id"], values["name"], values["version"]
    if not isinstance(app_id, str) or len(app_id) > 255 or not ID_PATTERN.fullmatch(app_id):
        raise fail("id", f"{app_id!r} is not a reverse-DNS id like \"org.example.shelf\" (ASCII letters, "
                         "digits, '-' and '_'; two parts or more; none starting with a digit)")
    if not isinstance(name, str) or not name.strip() or not name.isprintable() or len(name) > 100:
        raise fail("name", f"{name!r} is not a name: printable text of 1 to 100 characters")
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version):
        raise fail("version", f"{version!r} is not a version: 1 to 4 numbers with dots, maybe a -pre-release "
                              "or +build part (\"1.0\", \"1.2.3\", \"2.0.0-beta.1\")")
    icon = values["icon"]
    if icon is not None:
        if not isinstance(icon, (str, Path)) or not str(icon):
            raise fail("icon", f"{icon!r} is not a path to an image file")
        icon = Path(icon) if base is None or Path(icon).is_absolute() else base / icon
        if not icon.is_file():
            raise fail("icon", f"no file at {str(icon)!r}")
        if not _is_image(icon):
            raise fail("icon", f"{str(icon)!r} is not an image (PNG, SVG, ICO, JPEG, GIF, BMP, WebP, XPM or ICNS)")
        icon = icon.resolve()
    single = values["single_instance"]
    if not isinstance(single, bool):
        raise fail("single_instance", f"is true or false, not {single!r}")
    protocols = values["protocols"]
    if isinstance(protocols, str) or not isinstance(protocols, (list, tuple)):
        raise fail("protocols", f"is a list of URL schemes like [\"shelf\"], not {protocols!r}")
    for scheme in protocols:
        if not isinstance(scheme, str) or not SCHEME_PATTERN.fullmatch(scheme):
            raise fail("protocols", f"{scheme!r} is not a URL scheme (lower case: a letter, then letters, "
                                    "digits, '+', '-' or '.')")
        if scheme in RESERVED_SCHEMES:
            raise fail("protocols", f"{scheme!r} belongs to the web or to weft; an app may not claim it")
    if len(set(protocols)) != len(protocols):
        raise fail("protocols", "a scheme is listed twice")
    locales = values["locales"]
    if isinstance(locales, str) or not isinstance(locales, (list, tuple)):
        raise fail("locales", f"is a list of Chromium locale names like [\"en-US\", \"de\"], not {locales!r}")
    for locale in locales:
        if not isinstance(locale, str) or not LOCALE_PATTERN.fullmatch(locale):
            raise fail("locales", f"{locale!r} is not a Chromium locale name like \"de\", \"en-US\" or \"pt-BR\"")
    if len(set(locales)) != len(locales):
        raise fail("locales", "a locale is listed twice")
    return AppConfig(id=app_id, name=name, version=version, icon=icon, single_instance=single,
                     protocols=tuple(protocols), locales=tuple(locales))

"""weft.toml (weft.appconfig) and the app's folders (weft.paths): Qt-free."""

from __future__ import annotations

from pathlib import Path

import pytest

from weft import ConfigError
from weft.appconfig import AppConfig, defaults, load
from weft.paths import AppPaths


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "weft.toml").write_text(text)
    return folder


def test_a_folder_without_weft_toml_gets_defaults_from_its_name(tmp_path: Path) -> None:
    config = load(tmp_path / "my_app" if (tmp_path / "my_app").mkdir() is None else tmp_path)
    assert config == AppConfig(id="org.example.my-app", name="My App")
    assert (config.version, config.icon, config.single_instance, config.protocols) == ("0.1.0", None, False, ())


@pytest.mark.parametrize(("folder", "app_id", "name"), [
    ("shelf", "org.example.shelf", "Shelf"),
    ("my app (2)", "org.example.my-app-2", "My App 2"),
    ("2048", "org.example.app-2048", "2048"),
    ("été", "org.example.t", "Été"),
    ("日記", "org.example.app", "日記"),
    ("---", "org.example.app", "App"),
])
def test_defaults_are_always_valid(folder: str, app_id: str, name: str) -> None:
    config = defaults(folder)
    assert (config.id, config.name) == (app_id, name)
    assert config.replace() == config  # checked as a file's values are


def test_every_field_is_read(tmp_path: Path) -> None:
    (tmp_path / "icon.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    folder = write(tmp_path, """
[app]
id = "org.example.shelf"
name = "Shelf"
version = "1.2.3-beta.1"
icon = "icon.png"
single_instance = true
protocols = ["shelf", "shelf-dev"]
""")
    assert load(folder) == AppConfig(id="org.example.shelf", name="Shelf", version="1.2.3-beta.1",
                                     icon=(tmp_path / "icon.png").resolve(), single_instance=True,
                                     protocols=("shelf", "shelf-dev"))


def test_what_the_file_leaves_out_comes_from_the_folder_name(tmp_path: Path) -> None:
    folder = write(tmp_path / "notes", '[app]\nversion = "2.0.0"\n')
    assert load(folder) == AppConfig(id="org.example.notes", name="Notes", version="2.0.0")


@pytest.mark.parametrize(("text", "field", "says"), [
    ('[app]\nid = "shelf"\n', "app.id", "reverse-DNS"),
    ('[app]\nid = "org.example.2shelf"\n', "app.id", "reverse-DNS"),
    ('[app]\nid = "org.exa mple.shelf"\n', "app.id", "reverse-DNS"),
    ('[app]\nname = ""\n', "app.name", "not a name"),
    ('[app]\nname = "a\\nb"\n', "app.name", "not a name"),
    ('[app]\nversion = "one"\n', "app.version", "not a version"),
    ('[app]\nversion = 1\n', "app.version", "not a version"),
    ('[app]\nicon = "missing.png"\n', "app.icon", "no file at"),
    ('[app]\nicon = "weft.toml"\n', "app.icon", "is not an image"),
    ('[app]\nversion = "1.2.3.4.5"\n', "app.version", "1 to 4 numbers"),
    ('[app]\nsingle_instance = "yes"\n', "app.single_instance", "true or false"),
    ('[app]\nprotocols = "shelf"\n', "app.protocols", "a list of URL schemes"),
    ('[app]\nprotocols = ["Shelf"]\n', "app.protocols", "not a URL scheme"),
    ('[app]\nprotocols = ["https"]\n', "app.protocols", "belongs to the web or to weft"),
    ('[app]\nprotocols = ["app"]\n', "app.protocols", "belongs to the web or to weft"),
    ('[app]\nprotocols = ["shelf", "shelf"]\n', "app.protocols", "listed twice"),
    ('[app]\nlocales = "de"\n', "app.locales", "a list of Chromium locale names"),
    ('[app]\nlocales = ["english"]\n', "app.locales", "not a Chromium locale name"),
    ('[app]\nlocales = ["de_DE"]\n', "app.locales", "not a Chromium locale name"),
    ('[app]\nlocales = ["EN-us"]\n', "app.locales", "not a Chromium locale name"),
    ('[app]\nlocales = [1]\n', "app.locales", "not a Chromium locale name"),
    ('[app]\nlocales = ["de", "de"]\n', "app.locales", "listed twice"),
    ('[app]\nidd = "org.example.x"\n', "app.idd", "unknown key"),
    ('[application]\nid = "org.example.x"\n', "application", "unknown table"),
    ('version = "1.0"\n[app]\n', "version", "outside \\[app\\]"),
    ("app = 3\n", "app", "must be a table"),
    ("[app\n", "", "not valid TOML"),
])
def test_a_bad_value_is_one_error_naming_the_field(tmp_path: Path, text: str, field: str, says: str) -> None:
    folder = write(tmp_path, text)
    with pytest.raises(ConfigError, match=says) as caught:
        load(folder)
    assert caught.value.field == field and caught.value.path == folder / "weft.toml"
    assert str(caught.value).startswith(f"{folder / 'weft.toml'}: {field + ': ' if field else ''}")


@pytest.mark.parametrize(("name", "start"), [
    ("i.png", b"\x89PNG\r\n\x1a\n"), ("i.jpg", b"\xff\xd8\xff\xe0"), ("i.ico", b"\x00\x00\x01\x00"),
    ("i.gif", b"GIF89a"), ("i.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "), ("i.xpm", b"/* XPM */\n"),
    ("i.svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("bare.svg", b'\xef\xbb\xbf\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
])
def test_an_icon_may_be_any_image_qt_reads_even_outside_the_folder(tmp_path: Path, name: str, start: bytes) -> None:
    (tmp_path / name).write_bytes(start + b"\x00" * 16)
    folder = write(tmp_path / "app", f'[app]\nicon = "../{name}"\n')
    assert load(folder).icon == (tmp_path / name).resolve()  # `weft package` bundles it


@pytest.mark.parametrize("version", ["1", "1.0", "1.2.3", "1.2.3.4", "2.0.0-beta.1", "1.0+build.7"])
def test_a_version_is_one_to_four_numbers_and_maybe_a_suffix(tmp_path: Path, version: str) -> None:
    assert load(write(tmp_path, f'[app]\nversion = "{version}"\n')).version == version


def test_locales_are_chromium_names_and_default_to_all(tmp_path: Path) -> None:
    assert load(write(tmp_path / "all", "[app]\n")).locales == ()  # none declared: `weft package` keeps all
    folder = write(tmp_path / "some", '[app]\nlocales = ["en-US", "de", "pt-BR", "es-419", "fil"]\n')
    assert load(folder).locales == ("en-US", "de", "pt-BR", "es-419", "fil")
    assert load(folder).replace(locales=["fr"]).locales == ("fr",)  # as `weft package --locales fr` does
    with pytest.raises(ConfigError, match="not a Chromium locale name") as caught:
        load(folder).replace(locales=["french"])
    assert caught.value.field == "locales"


def test_a_weft_toml_that_is_not_a_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    (tmp_path / "weft.toml").mkdir()
    with pytest.raises(ConfigError, match="cannot read it"):
        load(tmp_path)


def test_keywords_override_the_file_and_are_checked_alike(tmp_path: Path) -> None:
    config = load(write(tmp_path / "shelf", '[app]\nname = "Shelf"\n'))
    assert config.replace(name="Shelf Dev", version=None).name == "Shelf Dev"
    assert config.replace(version=None) == config  # None leaves a field as it is
    with pytest.raises(ConfigError, match="reverse-DNS") as caught:
        config.replace(id="nope")
    assert caught.value.field == "id"
    with pytest.raises(ConfigError, match="not an app setting"):
        config.replace(colour="red")


def test_paths_follow_xdg_and_are_made_on_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, folder in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                             ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    paths = AppPaths("org.example.shelf")
    assert not (tmp_path / "data").exists()  # nothing made until asked
    assert paths.data == tmp_path / "data" / "org.example.shelf" and paths.data.is_dir()
    assert paths.config == tmp_path / "config" / "org.example.shelf" and paths.config.is_dir()
    assert paths.cache == tmp_path / "cache" / "org.example.shelf"
    assert paths.logs == tmp_path / "state" / "org.example.shelf" / "logs" and paths.logs.is_dir()
    assert paths.data.stat().st_mode & 0o777 == 0o700  # the user's own
    assert AppPaths("org.example.other").data != paths.data


def test_relative_xdg_variables_are_ignored_as_the_spec_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert AppPaths("org.example.shelf").data == tmp_path / ".local" / "share" / "org.example.shelf"

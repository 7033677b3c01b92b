"""weft.typegen: what `weft types` and `weft dev` write, and when they leave a file alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from weft import ManifestError, ipc, typegen


@ipc.handler("typegen:echo")
def echo(p: str, window_id: str) -> str:
    return p


def test_a_file_is_rewritten_only_when_its_text_changes(tmp_path: Path) -> None:
    first = typegen.app_types(tmp_path / "types")
    assert first.changed and "typegen:echo" in first.channels
    mtime = first.path.stat().st_mtime_ns
    again = typegen.app_types(tmp_path / "types")
    assert not again.changed and again.path.stat().st_mtime_ns == mtime
    first.path.write_text("stale")
    assert typegen.app_types(tmp_path / "types").changed
    assert '"typegen:echo": { payload: string; result: string };' in first.path.read_text()


def test_refresh_writes_the_apps_types_and_only_the_plugin_types_asked_for_before(tmp_path: Path) -> None:
    asked, other = tmp_path / "plugins" / "asked", tmp_path / "plugins" / "other"
    for plugin in (asked, other):
        plugin.mkdir(parents=True)
        (plugin / "index.html").write_text("<p>x</p>")
        (plugin / "plugin.toml").write_text(f'id = "{plugin.name}"\nname = "x"\nversion = "1.0.0"\n'
                                            'entry = "index.html"\napi = 1\n[capabilities]\nsend = ["typegen:echo"]\n')
    typegen.plugin_types(asked).path.write_text("old")
    written = typegen.refresh(tmp_path)
    assert [w.path for w in written] == [tmp_path / "types" / "weft-app.d.ts", asked / "types" / "weft-app.d.ts"]
    assert "typegen:echo" in (asked / "types" / "weft-app.d.ts").read_text()
    assert not (other / "types").exists()


def test_a_plugin_folder_without_a_manifest_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError):
        typegen.plugin_types(tmp_path)

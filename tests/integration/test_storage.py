"""Persistent web storage with real pages: an app's windows keep
``localStorage``, IndexedDB and cookies in their storage folder across
runtimes, ephemeral ones keep nothing; plugins that ask for it keep theirs in
a folder of their own; a folder is used by one profile at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from PySide6.QtCore import QDateTime, QUrl
from PySide6.QtNetwork import QNetworkCookie

import weft
from tests.conftest import PLUGINS_DIR, TEST_APP_DIR, in_page, next_event, open_page, until, write_plugin
from tests.security.test_plugin_sandbox import MISCHIEF_ATTEMPTS, MISCHIEF_REQUESTS
from weft import plugins
from weft.plugins.manifest import parse_manifest

WRITE = """
localStorage.setItem("kept", "from the first run");
const db = await new Promise((ok, fail) => {
  const open = indexedDB.open("notes", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("notes");
  open.onsuccess = () => ok(open.result);
  open.onerror = () => fail(open.error);
});
await new Promise((ok, fail) => {
  const tx = db.transaction("notes", "readwrite");
  tx.objectStore("notes").put({text: "buy milk"}, 1);
  tx.oncomplete = ok;
  tx.onerror = () => fail(tx.error);
});
db.close();
return true;
"""
READ = """
const names = (await indexedDB.databases()).map((d) => d.name);
let note = null;
if (names.includes("notes")) {
  const db = await new Promise((ok, fail) => {
    const open = indexedDB.open("notes", 1);
    open.onsuccess = () => ok(open.result);
    open.onerror = () => fail(open.error);
  });
  note = await new Promise((ok, fail) => {
    const get = db.transaction("notes").objectStore("notes").get(1);
    get.onsuccess = () => ok(get.result ? get.result.text : null);
    get.onerror = () => fail(get.error);
  });
  db.close();
}
return {local: localStorage.getItem("kept"), note};
"""
NOTHING = {"local": None, "note": None, "cookies": []}
KEPT = {"local": "from the first run", "note": "buy milk", "cookies": ["session=1"]}
# Chromium keeps cookies for http(s) only (an app:// page has no
# document.cookie): the cookies that matter are those of the servers an app
# talks to, set here in the profile's store as such a server's would be.
API = QUrl("http://127.0.0.1:8765/")


def set_cookie(profile: Any, name: str = "session") -> None:
    cookie = QNetworkCookie(name.encode(), b"1")
    cookie.setDomain("127.0.0.1")
    cookie.setPath("/")
    cookie.setExpirationDate(QDateTime.currentDateTime().addDays(1))  # a persistent cookie, not a session one
    profile.cookieStore().setCookie(cookie, API)


async def stored_cookies(profile: Any) -> list[str]:
    """The cookies a profile's store holds, as ``name=value``. (Qt's
    loadAllCookies does not report cookies read from disk; deleting them
    does, so this empties the store.)"""
    store = profile.cookieStore()
    found: list[str] = []
    markers: dict[str, asyncio.Event] = {"marker-1": asyncio.Event(), "marker-2": asyncio.Event()}

    def removed(cookie: QNetworkCookie) -> None:
        name, value = bytes(cookie.name()).decode(), bytes(cookie.value()).decode()
        if name in markers:
            markers[name].set()
        else:
            found.append(f"{name}={value}")

    store.cookieRemoved.connect(removed)
    try:
        set_cookie(profile, "marker-1")  # so that there is always a removal to wait for
        store.deleteAllCookies()
        await asyncio.wait_for(markers["marker-1"].wait(), 10)
        # One more round trip: every removal of the first deletion has been reported before this one.
        set_cookie(profile, "marker-2")
        store.deleteAllCookies()
        await asyncio.wait_for(markers["marker-2"].wait(), 10)
    finally:
        store.cookieRemoved.disconnect(removed)
    return found


@contextlib.asynccontextmanager
async def running(**options: Any) -> AsyncIterator[weft.Runtime]:
    rt = weft.Runtime(app_dir=TEST_APP_DIR, **options)
    try:
        with rt.activated():
            yield rt
    finally:
        await rt.shutdown()


async def write_then_read(storage: Path | None) -> dict[str, Any]:
    """Write in one runtime; what a second one on the same storage reads."""
    async with running(storage=storage) as rt:
        win = await open_page(rt, "<p>first run</p>")
        assert (await in_page(rt, win, WRITE))["value"] is True
        added = asyncio.Event()
        profile_of(win).cookieStore().cookieAdded.connect(lambda cookie: added.set())
        set_cookie(profile_of(win))
        await asyncio.wait_for(added.wait(), 10)  # in the store (setCookie is asynchronous)
        # The page sees what it wrote, either way.
        assert (await in_page(rt, win, READ))["value"] == {"local": "from the first run", "note": "buy milk"}
    if storage is not None:
        # Chromium commits cookies to disk in the background as the profile
        # goes, a moment after the runtime has shut down; a new process (an
        # app's next run) starts long after. Wait for the commit, as it would.
        await until_cookies_written(storage / "profile" / "Cookies")
    async with running(storage=storage) as rt:
        win = await open_page(rt, "<p>second run</p>")
        outcome = await in_page(rt, win, READ)
        assert outcome["ok"], outcome
        return {**outcome["value"], "cookies": await stored_cookies(profile_of(win))}


async def until_cookies_written(database: Path, timeout: float = 10.0) -> None:
    import sqlite3

    async with asyncio.timeout(timeout):
        while True:
            if database.exists():
                try:
                    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
                        if db.execute("select count(*) from cookies").fetchone()[0]:
                            return
                except sqlite3.OperationalError:
                    pass  # Chromium is mid-write (a hot journal a read-only reader cannot settle): look again
            await asyncio.sleep(0.05)


def profile_of(win: weft.Window) -> Any:
    return win.native.page().profile()


def test_app_windows_keep_their_storage_across_runtimes(arun: Any, tmp_path: Path) -> None:
    storage = tmp_path / "web"
    assert arun(write_then_read(storage)) == KEPT
    assert (storage / "profile").is_dir() and (storage / "cache").is_dir()


def test_without_a_storage_folder_nothing_is_kept(arun: Any, tmp_path: Path) -> None:
    assert arun(write_then_read(None)) == NOTHING
    assert list(tmp_path.iterdir()) == []


def test_the_profile_is_on_disk_only_with_a_folder(arun: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(storage=tmp_path / "web") as rt:
            assert rt.storage == (tmp_path / "web").resolve()
            profile = profile_of(await open_page(rt, "<p>kept</p>"))
            assert not profile.isOffTheRecord()
            assert Path(profile.persistentStoragePath()) == (tmp_path / "web" / "profile").resolve()
            assert Path(profile.cachePath()) == (tmp_path / "web" / "cache").resolve()
        async with running() as rt:
            assert profile_of(await open_page(rt, "<p>throwaway</p>")).isOffTheRecord()

    arun(main())


def test_two_runtimes_cannot_use_one_folder_at_once(arun: Any, tmp_path: Path) -> None:
    storage = tmp_path / "web"

    async def main() -> None:
        async with running(storage=storage) as first:
            await open_page(first, "<p>first</p>")
            second = weft.Runtime(app_dir=TEST_APP_DIR, storage=storage)
            try:
                with pytest.raises(weft.StartupError, match=f"{storage.resolve()} is in use by the app's windows"):
                    await second.create_window(html="<p>second</p>")
                assert second.windows == ()
            finally:
                await second.shutdown()
        # Once the first has shut down, the folder is free again.
        async with running(storage=storage) as third:
            assert not profile_of(await open_page(third, "<p>third</p>")).isOffTheRecord()

    arun(main())


HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, str(os.getpid()).encode())
print("held", flush=True)
sys.stdin.read()
"""


def test_a_folder_another_process_holds_leaves_this_run_off_the_record(
    arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    storage = tmp_path / "web"
    storage.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(storage / "weft.lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"

        async def main() -> None:
            async with running(storage=storage) as rt:
                win = await open_page(rt, "<p>second instance</p>")
                assert profile_of(win).isOffTheRecord()
                assert (await in_page(rt, win, WRITE))["ok"]

        with caplog.at_level(logging.WARNING, logger="weft.storage"):
            arun(main())
        warnings = [r.getMessage() for r in caplog.records if r.name == "weft.storage"]
        assert len(warnings) == 1
        assert f"in use by another process (pid {holder.pid})" in warnings[0] and str(storage) in warnings[0]
        assert not (storage / "profile").exists()
    finally:
        holder.communicate("", timeout=10)


# -- plugins -----------------------------------------------------------------

PLUGIN_PAGE = "<p>plugin</p>"


def persistent_plugin(folder: Path, plugin_id: str, persistent: bool = True) -> Path:
    path = write_plugin(folder, plugin_id, PLUGIN_PAGE)
    if persistent:
        with (path / "plugin.toml").open("a") as manifest:
            manifest.write("[storage]\npersistent = true\n")
    return path


async def plugin_local(plugin: Any, key: str, value: str | None = None) -> Any:
    """Set (with a value) and read ``localStorage[key]`` in a plugin's page."""
    await plugin.wait_ready()
    if value is not None:
        await plugin.evaluate(f"localStorage.setItem({key!r}, {value!r})")
    return await plugin.evaluate(f"localStorage.getItem({key!r})")


def test_the_manifest_asks_for_persistent_storage_strictly(tmp_path: Path) -> None:
    assert parse_manifest(persistent_plugin(tmp_path, "keeps")).storage.persistent is True
    assert parse_manifest(persistent_plugin(tmp_path, "forgets", persistent=False)).storage.persistent is False
    for body, field, problem in [
        ("[storage]\npersistent = 1\n", "storage.persistent", "must be true or false, not an integer"),
        ('[storage]\npersistent = "yes"\n', "storage.persistent", "must be true or false, not a string"),
        ("[storage]\npersistent = true\nquota = 10\n", "storage.quota", "unknown key"),
        ('storage = "persistent"\n', "storage", "must be a table, not a string"),
    ]:
        path = persistent_plugin(tmp_path, "bad", persistent=False)
        manifest = path / "plugin.toml"
        text = manifest.read_text()
        # [storage] after [window] would be read as part of it; a top-level key must come first.
        manifest.write_text(body + text if not body.startswith("[") else text + body)
        with pytest.raises(weft.ManifestError) as caught:
            parse_manifest(path)
        assert (caught.value.field, problem in str(caught.value)) == (field, True), str(caught.value)


def test_a_persistent_plugin_keeps_its_storage_in_a_folder_of_its_own(arun: Any, tmp_path: Path) -> None:
    kept = tmp_path / "plugins"

    async def main() -> None:
        async with running(storage=tmp_path / "web", plugin_storage=kept) as rt:
            keeps = await plugins.load(persistent_plugin(tmp_path, "keeps"))
            other = await plugins.load(persistent_plugin(tmp_path, "other"))
            forgets = await plugins.load(persistent_plugin(tmp_path, "forgets", persistent=False))
            assert (keeps.storage, other.storage, forgets.storage) == (kept.resolve() / "keeps",
                                                                       kept.resolve() / "other", None)
            for plugin in (keeps, other, forgets):
                await plugin.start()
                assert await plugin_local(plugin, "mine", plugin.id) == plugin.id
            assert await plugin_local(other, "mine") == "other"
            profiles = {plugin.id: plugin._sandbox.profile for plugin in (keeps, other, forgets)}
            app_profile = profile_of(await open_page(rt, "<p>app</p>"))
            assert Path(profiles["keeps"].persistentStoragePath()) == kept.resolve() / "keeps" / "profile"
            assert Path(profiles["other"].persistentStoragePath()) == kept.resolve() / "other" / "profile"
            assert profiles["forgets"].isOffTheRecord()
            assert len({id(p) for p in (*profiles.values(), app_profile)}) == 4
            await forgets.restart()
            assert await plugin_local(forgets, "mine") is None  # off-the-record: gone with its profile
            await keeps.restart()
            assert await plugin_local(keeps, "mine") == "keeps"
        async with running(plugin_storage=kept) as rt:  # a new run
            keeps = await plugins.load(persistent_plugin(tmp_path, "keeps"))
            other = await plugins.load(persistent_plugin(tmp_path, "other"))
            await keeps.start()
            await other.start()
            assert (await plugin_local(keeps, "mine"), await plugin_local(other, "mine")) == ("keeps", "other")
        assert sorted(p.name for p in kept.iterdir()) == ["keeps", "other"]

    arun(main())


def test_a_persistent_plugin_keeps_every_lock(arun: Any, tmp_path: Path) -> None:
    # The hostile plugin of tests/security, given a disk profile: refused
    # everything still (its request lock, CSP, scheme handlers, lockdown).
    mischief = tmp_path / "mischief"
    shutil.copytree(PLUGINS_DIR / "mischief", mischief)
    with (mischief / "plugin.toml").open("a") as manifest:
        manifest.write("\n[storage]\npersistent = true\n")

    async def main() -> None:
        async with running(plugin_storage=tmp_path / "kept") as rt:
            reports = rt.channel_events("mischief:report")
            await (await plugins.load(PLUGINS_DIR / "notes")).start()
            plugin = await plugins.load(mischief)
            await plugin.start()
            assert not plugin._sandbox.profile.isOffTheRecord()
            results = (await next_event(reports, timeout=30)).payload["results"]
            assert set(results) == MISCHIEF_ATTEMPTS
            assert {name: r for name, r in results.items() if not r.startswith("refused")} == {}
            await until(lambda: plugin.blocked_requests == len(MISCHIEF_REQUESTS))

    arun(main(), timeout=60)



def test_a_persistent_plugin_without_plugin_storage_runs_off_the_record(
    arun: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with running():
            plugin = await plugins.load(persistent_plugin(tmp_path, "keeps"))
            assert plugin.storage is None
            await plugin.start()
            assert plugin._sandbox.profile.isOffTheRecord()
            await plugin_local(plugin, "mine", "x")
            await plugin.restart()
            assert await plugin_local(plugin, "mine") is None

    with caplog.at_level(logging.WARNING, logger="weft.plugins"):
        arun(main())
    warnings = [r.getMessage() for r in caplog.records if r.name == "weft.plugins"]
    assert len(warnings) == 1 and "keeps asks for persistent storage" in warnings[0]
    assert "off-the-record" in warnings[0]


def test_one_plugin_folder_is_used_by_one_runtime_at_a_time(arun: Any, tmp_path: Path) -> None:
    kept = tmp_path / "plugins"

    async def main() -> None:
        async with running(plugin_storage=kept):
            plugin = await plugins.load(persistent_plugin(tmp_path, "keeps"))
            await plugin.start()
            second = weft.Runtime(app_dir=TEST_APP_DIR, plugin_storage=kept)
            try:
                with second.activated():
                    twin = await plugins.load(persistent_plugin(tmp_path, "keeps"))
                with pytest.raises(weft.StartupError, match="in use by plugin 'keeps' in this process"):
                    await twin.start()
            finally:
                await second.shutdown()

    arun(main())


def test_runtime_folders_are_checked(tmp_path: Path) -> None:
    for name in ("storage", "plugin_storage", "state_dir"):
        with pytest.raises(weft.ArgumentError, match=name):
            weft.Runtime(**{name: 42})
        with pytest.raises(weft.ArgumentError, match=name):
            weft.Runtime(**{name: ""})

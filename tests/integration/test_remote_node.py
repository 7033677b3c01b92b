"""weft-runtime in Node, with no weft host: two fromDesktopIpc adapters over
an in-memory bridge with the real @remote-ui/rpc (tests/remote/node/*.test.mjs,
run by ``node --test``), and the npm package as a stranger installs it
(``npm pack``, install into an empty project, ``tsc --strict``).

    python -m pytest -q tests/integration/test_remote_node.py
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import REMOTE_CLIENTS, install_remote_clients

RENDERER_ASSETS = Path(__file__).resolve().parents[2] / "renderer_assets"
TYPESCRIPT = "5.9.3"
"""The TypeScript the package check installs (pinned: a new release must not
change what passes)."""


def test_two_adapters_over_an_in_memory_bridge_with_the_real_rpc() -> None:
    _, node = install_remote_clients()
    # A timeout, not a wait: an adapter that loops re-pairing never lets
    # node's own timers run, so only the subprocess limit can end it.
    run = subprocess.run([node, "--test", "--test-reporter=spec", "node/"], cwd=REMOTE_CLIENTS,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout or "ℹ fail 0" in run.stdout, run.stdout[-2000:]


CHECK_TS = """\
import { PROTOCOL_VERSION, eachSession, fromDesktopIpc } from "weft-runtime";
import type { DesktopBridge, DesktopIpcEndpoint, SessionCleanup, SessionLoop } from "weft-runtime";

const listeners = new Map<string, (payload: unknown) => void>();
const bridge: DesktopBridge = {
  send(channel, payload) { listeners.get(channel)?.(payload); },
  on(channel, listener) { listeners.set(channel, listener); },
  off(channel) { listeners.delete(channel); },
};
const endpoint: DesktopIpcEndpoint = fromDesktopIpc(bridge, "vue-remote:rpc", { protocol: PROTOCOL_VERSION });
endpoint.addEventListener("message", (event: MessageEvent) => console.log(event.data));
const session: Promise<string> = endpoint.ready;
const reason: Promise<string> = endpoint.closed;
const open: boolean = endpoint.isOpen;
const cleanup: SessionCleanup = async (why) => { console.log(why.length); };
const loop: SessionLoop = eachSession(bridge, "vue-remote:rpc", (ep) => {
  ep.postMessage([0, ["id", "run", []]]);
  return cleanup;
});
const count: number = loop.sessions;
loop.stop();
const version: number = PROTOCOL_VERSION;
void [session, reason, open, count, version];
"""
BROKEN_TS = """\
import { eachSession } from "weft-runtime";
const count: string = eachSession(window.runtime, "x", () => {}).sessions;
"""


def test_the_npm_package_installs_and_type_checks_in_an_empty_project(tmp_path: Path) -> None:
    npm, node = install_remote_clients()
    packed = subprocess.run([npm, "pack", "--json", "--pack-destination", str(tmp_path)], cwd=RENDERER_ASSETS,
                            capture_output=True, text=True, check=True, timeout=120)
    (info,) = json.loads(packed.stdout)
    files = {entry["path"] for entry in info["files"]}
    assert {"README.md", "index.js", "index.d.ts", "runtime.d.ts", "package.json"} <= files
    assert not any(name.endswith(".py") for name in files), files

    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text(json.dumps({"name": "empty", "private": True, "type": "module"}))
    subprocess.run([npm, "install", "--no-audit", "--no-fund", str(tmp_path / info["filename"]),
                    f"typescript@{TYPESCRIPT}"], cwd=project, check=True, capture_output=True, timeout=600)
    tsc = [node, str(project / "node_modules" / "typescript" / "bin" / "tsc"), "--strict", "--noEmit",
           "--target", "es2022", "--lib", "es2022,dom"]
    (project / "check.ts").write_text(CHECK_TS)
    for resolution in (["--module", "nodenext", "--moduleResolution", "nodenext"],
                       ["--module", "esnext", "--moduleResolution", "bundler"]):
        run = subprocess.run([*tsc, *resolution, "check.ts"], cwd=project, capture_output=True, text=True,
                             timeout=300)
        assert run.returncode == 0, f"{resolution}: {run.stdout}{run.stderr}"
    # The check can fail: a wrong type is an error.
    (project / "broken.ts").write_text(BROKEN_TS.replace("window.runtime", "{} as any"))
    run = subprocess.run([*tsc, "--module", "nodenext", "--moduleResolution", "nodenext", "broken.ts"], cwd=project,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and "TS2322" in run.stdout, run.stdout + run.stderr

    # The installed package runs: the module loads in Node and speaks version 1.
    out = subprocess.run([node, "--input-type=module", "-e",
                          'import { PROTOCOL_VERSION, eachSession, fromDesktopIpc } from "weft-runtime";'
                          "console.log(PROTOCOL_VERSION, typeof eachSession, typeof fromDesktopIpc);"],
                         cwd=project, capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["1", "function", "function"]

"""The .d.ts weft.ipc.typescript.render writes, checked by a real ``tsc --strict``:
a page that uses declared channels right compiles, one that misuses them fails
with the expected errors, and undeclared channels stay ``unknown``.

    python -m pytest -q tests/integration/test_typescript_tsc.py
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from collections.abc import AsyncIterator
from typing import Literal, NotRequired, Optional, TypedDict


from weft.ipc.typescript import Declared, render

RENDERER_ASSETS = Path(__file__).resolve().parents[2] / "renderer_assets"
TSC_OPTIONS = ["--strict", "--noEmit", "--pretty", "false", "--target", "es2022", "--lib", "es2022,dom",
               "--module", "esnext", "--moduleResolution", "bundler"]


class AddArgs(TypedDict):
    a: int
    b: int
    note: NotRequired[str]


@dataclasses.dataclass
class Sum:
    total: float
    exact: bool = True


class Upload(TypedDict):
    name: str
    data: bytes


@dataclasses.dataclass
class Update:
    count: int
    label: Optional[str] = None


DECLARED = [
    Declared("add", "handler", AddArgs, result=Sum),
    Declared("upload", "handler", Upload, result=Optional[str]),
    Declared("mode", "handler", Literal["light", "dark"], result=None),
    Declared("update", "to_page", Update),
    Declared("click", "to_python", Literal["left", "right"]),
    Declared("download", "handler", str, result=AsyncIterator[bytes]),
]

GOOD_PAGE = """\
async function main(): Promise<void> {
  const sum = await runtime.invoke("add", { a: 1, b: 2 });
  const total: number = sum.total;
  const exact: boolean = sum.exact;  // a default: always there in what Python sends
  await runtime.invoke("add", { a: 1, b: 2, note: "hi" }, { timeout: 500 });
  const id = await window.runtime.invoke("upload", { name: "a.bin", data: new Uint8Array([1, 2]) });
  const idText: string = id ?? "none";
  const nothing: null = await runtime.invoke("mode", "dark");
  runtime.on("update", (update) => { const n: number = update.count; const l: string | null | undefined = update.label; });
  runtime.once("update", (update) => { void update.count; });
  runtime.send("click", "left");
  const reader = (await runtime.invoke("download", "a.bin")).getReader();  // a ByteStream
  const chunk: Uint8Array | undefined = (await reader.read()).value;
  // Undeclared channels keep the untyped signatures: payloads are unknown.
  const other = await runtime.invoke("other", { anything: [1, "two"] });
  const otherText: unknown = other;
  const typed = await runtime.invoke<string>("other-typed");
  const typedText: string = typed;
  runtime.on("elsewhere", (payload) => { const u: unknown = payload; });
  runtime.on<number>("counted", (payload) => { const n: number = payload; });
  runtime.on("runtime:error", (error) => { const name: string = error.name; const m: string = error.message; });
  runtime.send("anything", { deep: new Uint8Array(1) });
  runtime.send("no-payload");
  void chunk; void total; void exact; void idText; void nothing; void otherText; void typedText;
}
"""

# Each misuse, on its own line, with the error tsc must report there.
MISUSES = [
    ('await runtime.invoke("add", { a: "1", b: 2 });', "TS2322"),            # wrong field type
    ('await runtime.invoke("add", { a: 1 });', "TS2345"),                     # missing required field
    ('await runtime.invoke("add", { a: 1, b: 2, c: 3 });', "TS2353"),         # a field it does not declare
    ('await runtime.invoke("add");', "TS2554"),                               # no payload at all
    ('const s: string = (await runtime.invoke("add", { a: 1, b: 2 })).total;', "TS2322"),  # wrong result use
    ('(await runtime.invoke("add", { a: 1, b: 2 })).missing;', "TS2339"),     # no such result field
    ('await runtime.invoke("upload", { name: "x", data: "not bytes" });', "TS2322"),      # bytes
    ('(await runtime.invoke("upload", { name: "x", data: new Uint8Array() })).length;', "TS2531"),  # Optional: possibly null
    ('await runtime.invoke("mode", "blue");', "TS2345"),                      # Literal
    ('runtime.on("update", (u) => { const l: string = u.label; });', "TS2322"),  # optional, nullable field
    ('runtime.on("update", (u) => { u.nope; });', "TS2339"),
    ('runtime.send("click", "middle");', "TS2345"),
    ('runtime.send("click");', "TS2554"),
    ('runtime.on("elsewhere", (p) => { const n: number = p; });', "TS2322"),  # undeclared: unknown
    ('runtime.on("runtime:error", (e) => { const n: number = e; });', "TS2322"),  # a WeftError
]
BAD_PAGE = "async function main(): Promise<void> {\n" + "".join(f"  {line}\n" for line, _ in MISUSES) + "}\nexport {};\n"


def _project(root: Path, declared: list[Declared], page: str) -> Path:
    root.mkdir()
    (root / "runtime.d.ts").write_text((RENDERER_ASSETS / "runtime.d.ts").read_text())
    (root / "weft-app.d.ts").write_text(render(declared))
    (root / "page.ts").write_text(page)
    return root


def _check(tsc: list[str], root: Path) -> tuple[int, list[tuple[int, str]]]:
    """Run tsc on the project; return its exit code and the (line, code) of each error in page.ts."""
    run = subprocess.run([*tsc, *TSC_OPTIONS, "weft-app.d.ts", "page.ts"], cwd=root, capture_output=True,
                         text=True, timeout=300)
    errors = re.findall(r"^page\.ts\((\d+),\d+\): error (TS\d+)", run.stdout, re.MULTILINE)
    others = [line for line in run.stdout.splitlines() if "error TS" in line and not line.startswith("page.ts(")]
    assert not others, f"errors outside the page:\n{run.stdout}"
    return run.returncode, [(int(line), code) for line, code in errors]


def test_a_page_using_declared_channels_right_compiles(tsc: list[str], tmp_path: Path) -> None:
    code, errors = _check(tsc, _project(tmp_path / "good", DECLARED, GOOD_PAGE))
    assert (code, errors) == (0, [])


def test_a_page_misusing_declared_channels_fails_with_the_expected_errors(tsc: list[str], tmp_path: Path) -> None:
    code, errors = _check(tsc, _project(tmp_path / "bad", DECLARED, BAD_PAGE))
    assert code != 0
    expected = [(number, want) for number, (_, want) in enumerate(MISUSES, start=2)]
    assert sorted(set(errors)) == expected, "\n".join(
        f"line {n}: {MISUSES[n - 2][0]} -> {[c for m, c in errors if m == n]}" for n, _ in expected)


def test_without_declarations_the_payload_misuses_compile(tsc: list[str], tmp_path: Path) -> None:
    # The control: those errors come from the generated types, not from runtime.d.ts alone
    # (untyped, results and listener payloads are unknown, so using them fails anyway).
    code, errors = _check(tsc, _project(tmp_path / "untyped", [], BAD_PAGE))
    assert code != 0
    payload_misuses = {number for number, (line, _) in enumerate(MISUSES, start=2)
                       if re.match(r'(await runtime\.invoke|runtime\.send)\("\w+"', line)}
    assert len(payload_misuses) == 8
    assert not payload_misuses & {number for number, _ in errors}


TYPES_APP = """
from __future__ import annotations  # hints are strings: they resolve in the app module's namespace

from typing import NotRequired, TypedDict
from weft import ipc, window

class Meta(TypedDict):
    tag: str

class AddArgs(TypedDict):
    a: int
    b: int
    meta: NotRequired[Meta]  # a name of the app's module: looked up in sys.modules

@ipc.handler("add")
def add(p: AddArgs, window_id: str) -> int:
    return p["a"] + p["b"]

ipc.channel("update", int, direction="to_page")

async def main() -> None:
    await window.create_window(html="<p>x</p>")
"""


def test_weft_types_writes_what_tsc_checks_pages_against(tsc: list[str], tmp_path: Path) -> None:
    """`weft types PATH` on an app, as its author runs it: main() is not run;
    a page that calls the declared handler right compiles, a wrong one not."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text(TYPES_APP)
    done = subprocess.run([shutil.which("weft") or "weft", "types", str(app)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "2 declared channel(s)" in done.stdout, done.stderr
    types = app / "types"
    assert sorted(p.name for p in types.iterdir()) == ["runtime.d.ts", "weft-app.d.ts"]
    for name, page, ok in (("good", 'const n: number = await runtime.invoke("add", {a: 1, b: 2});\nexport {};\n', True),
                           ("bad", 'const n: number = await runtime.invoke("add", {a: 1, b: "2"});\nexport {};\n', False)):
        root = tmp_path / name
        root.mkdir()
        for file in types.iterdir():
            (root / file.name).write_text(file.read_text())
        (root / "page.ts").write_text(page)
        code, errors = _check(tsc, root)
        assert (code == 0, errors) == (ok, [] if ok else [(1, "TS2322")])


PLUGIN_PAGES = {
    # Granted `send = ["add", "log"]` only: "add" is typed, "log" is granted but undeclared.
    "good": 'const n: number = await runtime.invoke("add", {a: 1, b: 2});\nruntime.send("log", 1);\nexport {};\n',
    "bad": 'await runtime.invoke("add", {a: 1});\nexport {};\n',
    # "update" is declared for the app but not granted to the plugin: it stays unknown there.
    "ungranted": 'runtime.on("update", (n) => { const m: number = n; });\nexport {};\n',
}


def test_weft_types_writes_a_plugins_share_for_its_author(tsc: list[str], tmp_path: Path) -> None:
    """`weft types PATH --plugin FOLDER`: the plugin's types hold only the
    declared channels its plugin.toml grants; the app's types hold them all."""
    app = tmp_path / "app"
    plugin = app / "plugins" / "adder"
    plugin.mkdir(parents=True)
    (app / "main.py").write_text(TYPES_APP)
    (plugin / "index.html").write_text("<p>adder</p>")
    (plugin / "plugin.toml").write_text('id = "adder"\nname = "Adder"\nversion = "1.0.0"\nentry = "index.html"\n'
                                        'api = 1\n[capabilities]\nsend = ["add", "log"]\n')
    done = subprocess.run([shutil.which("weft") or "weft", "types", str(app), "--plugin", str(plugin)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (f"the 1 declared channel(s) the plugin in {plugin} may use; granted but not declared (unknown): log"
            in done.stdout), done.stdout
    outcomes = {}
    for name, page in PLUGIN_PAGES.items():
        root = tmp_path / name
        root.mkdir()
        for file in (plugin / "types").iterdir():
            (root / file.name).write_text(file.read_text())
        (root / "page.ts").write_text(page)
        outcomes[name] = _check(tsc, root)
    assert outcomes["good"] == (0, [])
    assert outcomes["bad"][1] == [(1, "TS2345")]
    assert outcomes["ungranted"][1] == [(1, "TS2322")]  # unknown is not a number: the app's type did not leak
    # A folder without a plugin.toml is a clear error, not a traceback.
    done = subprocess.run([shutil.which("weft") or "weft", "types", str(app), "--plugin", str(app)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("weft: ") and "plugin.toml" in done.stderr, done.stderr

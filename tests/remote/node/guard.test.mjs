// guardReceiver against vue-remote's real receiver: what a hostile plugin
// sends is refused whole and never reaches the host's tree; what an honest
// plugin renders passes unchanged.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createReceiver } from "@omnicajs/vue-remote/host";
import { SAFE_ELEMENTS, guardReceiver } from "weft-runtime";

const BASE = "app://localhost/index.html";
const click = () => {};

function node(type, properties = {}, children = [], id = "n1") {
  return { id, kind: "component", type, properties, children };
}

function guarded(options = {}) {
  const receiver = createReceiver();
  const refused = [];
  const receive = guardReceiver(receiver, { components: ["VButton"], base: BASE, onRefused: (m) => refused.push(m), ...options });
  return { receiver, receive, refused };
}

const HOSTILE = [
  ["an inline handler as an attribute", node("img", { src: "data:,x", onerror: "alert(1)" })],
  ["an inline handler in upper case", node("div", { ONERROR: "alert(1)" })],
  ["a string for onClick", node("button", { onClick: "alert(1)" })],
  ["innerHTML", node("div", { innerHTML: "<img src=x onerror=alert(1)>" })],
  ["innerHTML forced as a DOM property", node("VButton", { ".innerHTML": "<img onerror=alert(1)>" })],
  ["an attribute forced with ^", node("VButton", { "^onerror": "alert(1)" })],
  ["innerHTML through a component's attrs", node("VButton", { innerHTML: "<b>x</b>" })],
  ["srcdoc", node("VButton", { srcdoc: "<script>1</script>" })],
  ["an iframe", node("iframe", { src: "app://localhost/index.html" })],
  ["a script", node("script", {}, [{ id: "t", kind: "text", text: "alert(1)" }])],
  ["an svg", node("svg", {})],
  ["a link", node("a", { href: "https://evil.example/" })],
  ["a form", node("form", { action: "https://evil.example/" })],
  ["an image without the host's leave", node("img", { src: "app://localhost/logo.png" })],
  ["an id (clobbering the host's globals)", node("div", { id: "config" })],
  ["an id through a component", node("VButton", { id: "runtime" })],
  ["a name", node("input", { name: "config" })],
  ["a label for the host's own control", node("label", { for: "delete" })],
  ["a button aimed at the host's popover", node("button", { popovertarget: "menu" })],
  ["formaction through a component", node("VButton", { formaction: "https://evil.example/" })],
  ["a foreign URL through a component", node("VButton", { href: "https://evil.example/" })],
  ["a style loading a URL", node("div", { style: "background: url(https://evil.example/x)" })],
  ["a style object loading a URL", node("div", { style: { backgroundImage: "url(//evil.example/x)" } })],
  ["a style with a CSS escape", node("div", { style: "background: u\\72l(https://evil.example/x)" })],
  ["a style covering the host", node("div", { style: { position: "fixed", inset: 0 } })],
  ["an unknown component", node("Secret", {})],
  ["a lower-case component name", node("vbutton", {})],
  ["a hostile child deep in an honest tree",
    node("div", {}, [node("ul", {}, [node("li", {}, [node("span", { onmouseover: "x()" }, [], "n4")], "n3")], "n2")])],
];

for (const [what, tree] of HOSTILE) {
  test(`refused: ${what}`, () => {
    const { receiver, receive, refused } = guarded();
    assert.throws(() => receive("mount", [tree]), { name: "RemoteRefusal" });
    assert.equal(refused.length, 1);
    assert.equal(receiver.tree.root.children.length, 0, "nothing of it reached the host's tree");
  });
}

test("an honest tree passes unchanged, and so do its updates", () => {
  const { receiver, receive, refused } = guarded();
  const tree = node("div", { class: "counter", "data-count": "1", "aria-live": "polite", style: { color: "rgb(1, 2, 3)" } }, [
    node("strong", {}, [{ id: "t1", kind: "text", text: "<img src=x onerror=alert(1)> stays text" }], "n2"),
    node("VButton", { onClick: click, label: "+1", variant: "primary" }, [], "n3"),
    node("input", { type: "text", value: "x", placeholder: "name", "__vModel:onUpdate:modelValue": click }, [], "n4"),
    node("VButton", { onClick: ["__omnicajs/vue-remote:event-handler__", click, [["stop", []]]] }, [], "n5"),
  ]);
  receive("mount", [tree]);
  assert.deepEqual(refused, []);
  assert.equal(receiver.tree.root.children[0].type, "div");
  receive("update-properties", "n3", { label: "+2", onClick: click });
  receive("update-text", "t1", "new text");
  assert.equal(receiver.tree.get({ id: "n3" }).properties.label, "+2");
  assert.throws(() => receive("update-properties", "n3", { innerHTML: "<b>" }), { name: "RemoteRefusal" });
  assert.throws(() => receive("update-properties", "n2", { onclick: "x()" }), { name: "RemoteRefusal" });
  assert.throws(() => receive("insert-child", "n1", 0, node("iframe", {}, [], "n9"), false), { name: "RemoteRefusal" });
  assert.equal(receiver.tree.get({ id: "n9" }), null);
  assert.equal(refused.length, 3);
});

test("images are the host's to allow, and then only its own or data:image URLs", () => {
  const { receive, refused } = guarded({ elements: [...SAFE_ELEMENTS, "img"] });
  receive("mount", [node("img", { src: "logo.png", alt: "logo" })]);
  receive("update-properties", "n1", { src: "data:image/png;base64,AAAA" });
  assert.throws(() => receive("update-properties", "n1", { src: "http://127.0.0.1:9/leak" }), { name: "RemoteRefusal" });
  assert.throws(() => receive("update-properties", "n1", { src: "data:text/html,<script>1</script>" }), { name: "RemoteRefusal" });
  assert.equal(refused.length, 2);
});

test("invoke: only the allowed methods, and the plugin's call is rejected with the reason", async () => {
  const { receive, refused } = guarded();
  receive("mount", [node("div", {})]);
  for (const method of ["insertAdjacentHTML", "closest", "setAttribute", "click", 7]) {
    const answer = new Promise((resolve, reject) => receive("invoke", "n1", method, ["x"], resolve, reject));
    await assert.rejects(answer, (reason) => typeof reason === "string" && reason.startsWith("the host refused: invoking"));
  }
  assert.equal(refused.length, 5);
  assert.match(refused[0], /invoking "insertAdjacentHTML" on <div> is not allowed/);
});

test("options that would open the guard are refused when it is made", () => {
  const receiver = createReceiver();
  assert.throws(() => guardReceiver(receiver, { elements: ["iframe"] }), /"iframe" cannot be allowed in elements/);
  assert.throws(() => guardReceiver(receiver, { methods: ["insertAdjacentHTML"] }), /cannot be allowed in methods/);
  assert.throws(() => guardReceiver(receiver, { components: ["button"] }), /"button" cannot be allowed in components/);
});

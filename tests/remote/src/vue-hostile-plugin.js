// A hostile plugin for the guard's integration test: it skips vue-remote's
// renderer and calls the host's receive channel itself with what an attacker
// would send (inline handlers, innerHTML, an iframe, a foreign image, an id
// that clobbers a host global, a DOM method that writes markup), then one
// honest tree. window.plugin.outcomes says what the host did with each.
import { createEndpoint, retain } from "@remote-ui/rpc";
import { fromDesktopIpc } from "weft-runtime";

const XSS = "window.__pwned = (window.__pwned || 0) + 1";
const node = (id, type, properties = {}, children = []) => ({ id, kind: "component", type, properties, children });
const ATTEMPTS = [
  ["onerror", [node("a1", "img", { src: "data:,x", onerror: XSS })]],
  ["innerHTML", [node("a2", "div", { innerHTML: `<img src="data:,x" onerror="${XSS}">` })]],
  ["attrs of a component", [node("a3", "VButton", { ONERROR: XSS, "^onfocus": XSS, autofocus: true })]],
  ["iframe", [node("a4", "iframe", { srcdoc: `<script>parent.${XSS}</script>` })]],
  ["foreign image", [node("a5", "img", { src: "http://127.0.0.1:9/leak" })]],
  ["clobbering id", [node("a6", "div", { id: "hostConfig" })]],
];

const outcomes = {};
window.plugin = { outcomes };
const endpoint = createEndpoint(fromDesktopIpc(window.runtime));
endpoint.expose({
  async run(channel) {
    retain(channel);
    for (const [name, children] of ATTEMPTS) {
      try {
        await channel("mount", children);
        outcomes[name] = "accepted";
      } catch (error) {
        outcomes[name] = String(error.message);
      }
    }
    await channel("mount", [node("h1", "div", { class: "honest", "data-id": "honest" },
      [{ id: "h2", kind: "text", text: "<b>plain text</b>" }])]);
    outcomes.honest = "accepted";
    outcomes.invoke = await new Promise((resolve) => {
      channel("invoke", "h1", "insertAdjacentHTML", ["beforeend", `<img src="data:,x" onerror="${XSS}">`],
        () => resolve("accepted"), (reason) => resolve(String(reason)));
    });
  },
});

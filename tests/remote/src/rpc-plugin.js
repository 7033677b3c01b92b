// Remote side of the @remote-ui/rpc flow, inside a sandboxed plugin page.
import { createEndpoint, release, retain } from "@remote-ui/rpc";
import { fromDesktopIpc } from "weft-runtime";

const messenger = fromDesktopIpc(window.runtime);
const endpoint = createEndpoint(messenger);
let kept = null;
const arrivals = []; // the order calls reached the plugin

endpoint.expose({
  // Calls back into the host with the function it was given.
  async run(callback, n) {
    return { got: await callback(n * 2), from: window.runtime.windowId };
  },
  echo(value) {
    return value;
  },
  // Keeps the host's function beyond the call (retain), to call it later.
  keep(callback) {
    retain(callback);
    kept = callback;
    return true;
  },
  async callKept(value) {
    return kept(value);
  },
  drop() {
    release(kept);
    kept = null;
    return true;
  },
  fail() {
    throw new TypeError("the plugin says no");
  },
  // Binary values and long strings, both ways: gives back each byte
  // complemented and the text reversed, so nothing can be an echo.
  mirror(label, bytes, text) {
    arrivals.push(label);
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`${label}: not a Uint8Array: ${typeof bytes}`);
    return { label, bytes: bytes.map((b) => 255 - b), text: [...text].reverse().join("") };
  },
  small(label) {
    arrivals.push(label);
    return label;
  },
});
window.plugin = { endpoint, messenger, arrivals };

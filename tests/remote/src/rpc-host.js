// Host side of the @remote-ui/rpc flow: weft-runtime as the page imports it
// from weft itself, with no bundler involved for that part.
import { createEndpoint } from "@remote-ui/rpc";
import { fromDesktopIpc } from "/.weft/runtime/index.js";

const channel = new URLSearchParams(location.search).get("channel") || "vue-remote:rpc";
const messenger = fromDesktopIpc(window.runtime, channel);
const endpoint = createEndpoint(messenger);
window.host = { endpoint, messenger };

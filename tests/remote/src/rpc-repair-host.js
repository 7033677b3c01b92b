// An @remote-ui/rpc host page that outlives its sessions: eachSession hands
// it a fresh endpoint per session; window.host.endpoint is the current one.
import { createEndpoint } from "@remote-ui/rpc";
import { eachSession } from "/.weft/runtime/index.js";
import { createLedger } from "./ledger.js";

const channel = new URLSearchParams(location.search).get("channel") || "vue-remote:rpc";
const ledger = createLedger();
const closedReasons = [];
const opened = [];
window.host = {
  endpoint: null,
  messenger: null,
  ledger,
  closedReasons,
  opened,
};
const pairing = eachSession(window.runtime, channel, (messenger) => {
  const endpoint = createEndpoint(messenger, { createEncoder: ledger.createEncoder });
  Object.assign(window.host, { endpoint, messenger });
  messenger.ready.then((session) => opened.push(session), () => {});
  return (reason) => {
    closedReasons.push(reason);
  };
});
window.host.pairing = pairing;

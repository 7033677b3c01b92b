// A vue-remote host page that outlives its sessions: eachSession (from the
// copy of weft-runtime weft serves) hands it a fresh endpoint per session;
// each gets its own receiver, HostedTree app and counted encoder, torn down
// when the session closes. window.host reports what is retained.
import { createEndpoint } from "@remote-ui/rpc";
import { HostedTree, createProvider, createReceiver } from "@omnicajs/vue-remote/host";
import { createApp, defineComponent, h } from "vue";
import { eachSession, guardReceiver } from "/.weft/runtime/index.js";
import { createLedger } from "./ledger.js";

const provider = createProvider({
  VButton: defineComponent({
    setup(_, { attrs, slots }) {
      return () => h("button", { ...attrs, class: "v-button" }, slots.default?.());
    },
  }),
});
const ledger = createLedger();
const receivers = new Set();
const closedReasons = [];
const teardowns = []; // what was still retained right after each teardown
const errors = [];

function countNodes(node) {
  let n = 0;
  for (const child of node.children ?? []) n += 1 + countNodes(child);
  return n;
}

function retained() {
  let nodes = 0;
  for (const receiver of receivers) nodes += countNodes(receiver.tree.root);
  return { ...ledger.live(), receivers: receivers.size, nodes, dom: document.getElementsByTagName("*").length };
}

const pairing = eachSession(window.runtime, "vue-remote:rpc", (messenger) => {
  const receiver = createReceiver();
  receivers.add(receiver);
  const endpoint = createEndpoint(messenger, { createEncoder: ledger.createEncoder });
  const element = document.createElement("section");
  element.id = "panel";
  document.getElementById("host").append(element);
  const app = createApp(defineComponent({ setup: () => () => h(HostedTree, { provider, receiver }) }));
  app.mount(element);
  messenger.ready.then(() => endpoint.call.run(guardReceiver(receiver, { components: ["VButton"] }), {
    clicked(count) {
      window.runtime.send("clicked", count);
    },
  })).catch((error) => errors.push(String(error)));
  return (reason) => {
    closedReasons.push(reason);
    app.unmount();
    element.remove();
    receivers.delete(receiver);
    teardowns.push(retained());
  };
});

window.host = {
  retained,
  teardowns,
  closedReasons,
  errors,
  get sessions() {
    return pairing.sessions;
  },
  stop: () => pairing.stop(),
};

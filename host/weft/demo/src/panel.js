// The demo's plugin-rendered panel: a vue-remote receiver in the main window
// showing what the headless counter plugin renders. Built into ../panel.js
// by tests/remote/build.mjs.
import { createEndpoint } from "@remote-ui/rpc";
import { HostedTree, createProvider, createReceiver } from "@omnicajs/vue-remote/host";
import { createApp, defineComponent, h, ref } from "vue";
import { fromDesktopIpc } from "weft-runtime";

const provider = createProvider({
  VButton: defineComponent({
    setup(_, { attrs, slots }) {
      return () => h("button", { ...attrs, class: "secondary" }, slots.default?.());
    },
  }),
});

const receiver = createReceiver();
const messenger = fromDesktopIpc(window.runtime);
const endpoint = createEndpoint(messenger);
const status = ref("waiting for the counter plugin…");

messenger.ready.then(() => {
  status.value = "";
  endpoint.call.run(receiver.receive, {
    changed(count) {
      window.runtime.send("panel-changed", count);
    },
  });
});
messenger.closed.then((reason) => {
  status.value = `the counter plugin is gone (${reason})`;
});

createApp(defineComponent({
  setup() {
    return () => (status.value
      ? h("p", { class: "muted" }, status.value)
      : h(HostedTree, { provider, receiver }));
  },
})).mount("#remote-panel");

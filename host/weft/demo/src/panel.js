// The demo's plugin-rendered panel: a vue-remote receiver in the main window
// showing what the headless counter plugin renders. Built into ../panel.js
// by tests/remote/build.mjs.
//
// eachSession keeps the panel paired across the plugin's restarts (View ▸
// Restart the counter plugin): each session gets a fresh endpoint and
// receiver, and the last one's are dropped when it closes.
import { createEndpoint } from "@remote-ui/rpc";
import { HostedTree, createProvider, createReceiver } from "@omnicajs/vue-remote/host";
import { createApp, defineComponent, h, ref, shallowRef } from "vue";
import { eachSession, guardReceiver } from "weft-runtime";

const provider = createProvider({
  VButton: defineComponent({
    setup(_, { attrs, slots }) {
      return () => h("button", { ...attrs, class: "secondary" }, slots.default?.());
    },
  }),
});

const status = ref("waiting for the counter plugin…");
const shown = shallowRef(null); // { receiver, session } while a session is open

eachSession(window.runtime, "vue-remote:rpc", (messenger) => {
  const endpoint = createEndpoint(messenger);
  const receiver = createReceiver();
  messenger.ready.then((session) => {
    status.value = "";
    shown.value = { receiver, session };
    endpoint.call.run(guardReceiver(receiver, { components: ["VButton"] }), {
      changed(count) {
        window.runtime.send("panel-changed", count);
      },
    });
  });
  return (reason) => {
    shown.value = null;
    status.value = `the counter plugin is gone (${reason}); waiting for it to come back…`;
  };
});

createApp(defineComponent({
  setup() {
    return () => (shown.value === null
      ? h("p", { class: "muted" }, status.value)
      : h(HostedTree, { provider, receiver: shown.value.receiver, key: shown.value.session }));
  },
})).mount("#remote-panel");

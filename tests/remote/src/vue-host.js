// Host side of the vue-remote flow: a receiver and a HostedTree in a weft
// window, rendering what a sandboxed plugin's Vue app describes.
import { createBasicEncoder, createEndpoint } from "@remote-ui/rpc";
import { HostedTree, createProvider, createReceiver } from "@omnicajs/vue-remote/host";
import { createApp, defineComponent, h, ref } from "vue";
import { fromDesktopIpc, guardReceiver } from "weft-runtime";

const provider = createProvider({
  VButton: defineComponent({
    setup(_, { attrs, slots }) {
      return () => h("button", { ...attrs, class: "v-button" }, slots.default?.());
    },
  }),
});

const receiver = createReceiver();
const messenger = fromDesktopIpc(window.runtime);
const state = { encoderTerminated: false, closedReason: null };
// Wraps the encoder to see it terminated: that is what drops every function
// the host retained for the plugin.
const endpoint = createEndpoint(messenger, {
  createEncoder(api) {
    const encoder = createBasicEncoder(api);
    const terminate = encoder.terminate;
    encoder.terminate = () => {
      state.encoderTerminated = true;
      terminate?.call(encoder);
    };
    return encoder;
  },
});

const mounted = ref(true);
messenger.closed.then((reason) => {
  state.closedReason = reason;
  mounted.value = false;
});

createApp(defineComponent({
  setup() {
    return () => (mounted.value
      ? h("section", { id: "panel" }, [h(HostedTree, { provider, receiver })])
      : h("p", { id: "gone" }, "the plugin is gone"));
  },
})).mount("#host");

window.host = {
  state,
  start() {
    return endpoint.call.run(guardReceiver(receiver, { components: ["VButton"] }), {
      clicked(count) {
        window.runtime.send("clicked", count);
      },
    });
  },
};

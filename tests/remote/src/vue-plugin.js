// Remote side of the vue-remote flow: a Vue app rendered with the remote
// renderer inside a sandboxed plugin page; it appears as DOM in the host.
import { createEndpoint, release, retain } from "@remote-ui/rpc";
import { createRemoteRenderer, createRemoteRoot, defineRemoteComponent } from "@omnicajs/vue-remote/remote";
import { defineComponent, h, ref } from "vue";
import { fromDesktopIpc } from "weft-runtime";

const VButton = defineRemoteComponent("VButton");
const endpoint = createEndpoint(fromDesktopIpc(window.runtime));
let onRelease = () => {};

const Counter = defineComponent({
  props: { api: { type: Object, required: true } },
  setup(props) {
    const count = ref(0);
    return () => h("div", { id: "counter" }, [
      h("span", { id: "count" }, `clicked ${count.value} times`),
      h(VButton, {
        id: "increment",
        onClick: () => {
          count.value += 1;
          props.api.clicked(count.value);
        },
      }, () => "Increment"),
    ]);
  },
});

endpoint.expose({
  async run(channel, api) {
    retain(channel);
    retain(api);
    const root = createRemoteRoot(channel, { components: ["VButton"] });
    await root.mount();
    const app = createRemoteRenderer(root).createApp(Counter, { api });
    app.mount(root);
    onRelease = () => {
      release(channel);
      release(api);
      app.unmount();
    };
  },
  release() {
    onRelease();
  },
});

// The counter plugin: a Vue app rendered by @omnicajs/vue-remote's remote
// renderer in a headless, sandboxed page, shown in the host's window.
// Built into ../counter.js by tests/remote/build.mjs.
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
    const bump = (by) => {
      count.value += by;
      props.api.changed(count.value);
    };
    return () => h("div", { class: "remote-counter" }, [
      h("strong", { class: "remote-count" }, String(count.value)),
      h("span", null, " rendered by the counter plugin, in its own sandbox"),
      h("div", { class: "row" }, [
        h(VButton, { id: "panel-minus", onClick: () => bump(-1) }, () => "−1"),
        h(VButton, { id: "panel-plus", onClick: () => bump(1) }, () => "+1"),
      ]),
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

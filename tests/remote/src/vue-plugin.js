// Remote side of the vue-remote flow: a Vue app rendered with the remote
// renderer inside a sandboxed plugin page; it appears as DOM in the host.
// One endpoint per session (eachSession), so a host page that reloads gets
// the UI again from the same plugin page.
import { createEndpoint, release, retain } from "@remote-ui/rpc";
import { createRemoteRenderer, createRemoteRoot, defineRemoteComponent } from "@omnicajs/vue-remote/remote";
import { defineComponent, h, ref } from "vue";
import { eachSession } from "weft-runtime";

const VButton = defineRemoteComponent("VButton");

const Counter = defineComponent({
  props: { api: { type: Object, required: true } },
  setup(props) {
    const count = ref(0);
    return () => h("div", { "data-id": "counter" }, [
      h("span", { "data-id": "count" }, `clicked ${count.value} times`),
      h(VButton, {
        "data-id": "increment",
        onClick: () => {
          count.value += 1;
          props.api.clicked(count.value);
        },
      }, () => "Increment"),
    ]);
  },
});

const sessions = eachSession(window.runtime, "vue-remote:rpc", (messenger) => {
  const endpoint = createEndpoint(messenger);
  let teardown = () => {};
  endpoint.expose({
    async run(channel, api) {
      retain(channel); // kept beyond this call: the renderer and the app use them
      retain(api);
      const root = createRemoteRoot(channel, { components: ["VButton"] });
      await root.mount();
      const app = createRemoteRenderer(root).createApp(Counter, { api });
      app.mount(root);
      teardown = () => {
        teardown = () => {};
        app.unmount();
        release(channel);
        release(api);
      };
    },
    release() {
      teardown();
    },
  });
  // The session closed (the host page went): its functions are revoked, so
  // what it rendered is dropped, not unmounted.
  return () => { teardown = () => {}; };
});
window.plugin = { sessions };

// The counter plugin: a Vue app rendered by @omnicajs/vue-remote's remote
// renderer in a headless, sandboxed page, shown in the host's window.
// Built into ../counter.js by tests/remote/build.mjs. One endpoint per
// session (eachSession): when the host window reloads, the same plugin page
// renders into it again.
import { createEndpoint, release, retain } from "@remote-ui/rpc";
import { createRemoteRenderer, createRemoteRoot, defineRemoteComponent } from "@omnicajs/vue-remote/remote";
import { defineComponent, h, ref } from "vue";
import { eachSession } from "weft-runtime";

const VButton = defineRemoteComponent("VButton");

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
        h(VButton, { "data-id": "panel-minus", onClick: () => bump(-1) }, () => "−1"),
        h(VButton, { "data-id": "panel-plus", onClick: () => bump(1) }, () => "+1"),
      ]),
    ]);
  },
});

eachSession(window.runtime, "vue-remote:rpc", (messenger) => {
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

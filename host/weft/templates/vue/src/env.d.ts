/// <reference types="vite/client" />
// window.runtime (and the global `runtime`) is weft's bridge to Python. Its
// types are in weft-runtime.d.ts, which `weft new` copied from the weft it
// came with (weft.renderer_assets/runtime.d.ts); copy it again after
// upgrading weft.
/// <reference path="./weft-runtime.d.ts" />

declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

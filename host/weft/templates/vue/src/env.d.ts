/// <reference types="vite/client" />
// window.runtime (and the global `runtime`) is weft's bridge to Python. Its
// types, and those of the channels main.py declares, are in ../types/
// (tsconfig.json includes them): `weft types .` writes them again, and
// `weft dev .` at every start.

declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

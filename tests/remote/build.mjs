// Bundles the test clients in src/ into dist/ with esbuild. Pages import
// weft-runtime as an npm package (file: dependency on renderer_assets) or,
// for rpc-host, from the copy weft serves at /.weft/runtime/index.js.
import { build } from "esbuild";

await build({
  entryPoints: ["src/rpc-host.js", "src/rpc-plugin.js", "src/vue-host.js", "src/vue-plugin.js"],
  outdir: "dist",
  bundle: true,
  format: "esm",
  target: "chrome120",
  external: ["/.weft/runtime/index.js"],
  define: {
    "process.env.NODE_ENV": '"production"',
    __VUE_OPTIONS_API__: "true",
    __VUE_PROD_DEVTOOLS__: "false",
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
  },
  logLevel: "warning",
});

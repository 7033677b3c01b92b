// Bundles with esbuild: the test clients in src/ into dist/ (pages import
// weft-runtime as an npm package, a file: dependency on renderer_assets, or,
// for rpc-host, from the copy weft serves at /.weft/runtime/index.js); and,
// with --demo, the demo's committed bundles (the main window's vue-remote
// panel and the counter plugin), which tests check are up to date.
import { build } from "esbuild";

const define = {
  "process.env.NODE_ENV": '"production"',
  __VUE_OPTIONS_API__: "true",
  __VUE_PROD_DEVTOOLS__: "false",
  __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
};
const demoOut = process.argv.includes("--demo") ? process.argv[process.argv.indexOf("--demo") + 1] : null;

if (demoOut !== null) {
  for (const [entry, name] of [
    ["../../host/weft/demo/src/panel.js", "panel.js"],
    ["../../plugins/counter/src/counter.js", "counter.js"],
  ]) {
    await build({
      entryPoints: [entry], outfile: `${demoOut}/${name}`, bundle: true, minify: true, format: "esm",
      nodePaths: [new URL("node_modules", import.meta.url).pathname],
      target: "chrome120", define, legalComments: "none", logLevel: "warning",
    });
  }
  process.exit(0);
}

await build({
  entryPoints: [
    "src/rpc-host.js", "src/rpc-plugin.js", "src/vue-host.js", "src/vue-plugin.js", "src/vue-hostile-plugin.js",
    "src/rpc-repair-host.js", "src/vue-repair-host.js",
  ],
  outdir: "dist",
  bundle: true,
  format: "esm",
  target: "chrome120",
  external: ["/.weft/runtime/index.js"],
  define,
  logLevel: "warning",
});

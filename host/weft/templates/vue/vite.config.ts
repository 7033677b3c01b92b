import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// main.py loads web/index.html through weft's app:// scheme, so the build
// goes to web/ (weft package skips dist/ and build/) with relative URLs.
export default defineConfig({
  plugins: [vue()],
  base: "./",
  build: { outDir: "web", emptyOutDir: true },
});

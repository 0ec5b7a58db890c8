import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

export default defineConfig({
  plugins: [solid()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names under /assets/ are what the API serves with a year-long cache.
    assetsDir: "assets",
    target: "es2022",
  },
  server: {
    // `npm run dev -w @proxpanel/panel` against the API on :8080 (host header kept for site resolution).
    proxy: { "/api": { target: "http://127.0.0.1:8080", changeOrigin: false } },
  },
});

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The server serves dist/index.html at /console and dist/assets/* at /console/assets/*, under a CSP
// without 'unsafe-inline': everything the page needs is an external same-origin file.
const api = "http://localhost:3000";

export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/api": api, "/brand-images": api },
  },
});

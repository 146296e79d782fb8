import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The server serves dist/index.html at / and /oauth/authorize and dist/assets/* at /assets/*, under
// a CSP without 'unsafe-inline': everything the page needs is an external same-origin file.
const api = "http://localhost:3000";

export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // No data: URLs for scripts or styles (the CSP allows data: for images only); keep every asset a file.
    assetsInlineLimit: 0,
    // A module-preload polyfill would be an inline script.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/api": api, "/oauth": api, "/dev": api },
  },
});

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// A third-party app built exactly as a DIMO developer would build it: React 18 and the official
// @dimo-network/login-with-dimo 0.0.27, whose `local` environment is http://localhost:3000.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true },
  preview: { port: 5173, strictPort: true },
  build: { outDir: "dist", emptyOutDir: true },
});

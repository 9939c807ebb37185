import { readdirSync } from "node:fs";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the console with hot reload and sends the API paths to the gateway of
// `make run` (http://127.0.0.1:8000), so the console and the APIs still share one origin: every
// service with a typed client (clients/openapi/<service>.json, written by `make clients`), and /dev.
const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:8000";
const services = readdirSync(new URL("../clients/openapi", import.meta.url))
  .filter((file) => file.endsWith(".json"))
  .map((file) => `/${file.slice(0, -".json".length)}`);
const proxied = [...services, "/dev"];

export default defineConfig({
  plugins: [react()],
  server: { proxy: Object.fromEntries(proxied.map((path) => [path, gateway])) },
  build: { outDir: "dist", sourcemap: true },
});

import path from "node:path";
import { fileURLToPath } from "node:url";
import { startApp } from "./app.ts";

// Settings from the environment; `npm start` of Keyfob prints the demo license's clientId and API key.
const required = (name: string): string => {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`Set ${name} (see examples/react-app/README.md)\n`);
    process.exit(2);
  }
  return value;
};

const port = Number(process.env.PORT ?? 5173);
const app = await startApp({
  keyfobUrl: process.env.KEYFOB_URL ?? "http://localhost:3000",
  clientId: required("CLIENT_ID"),
  apiKey: required("API_KEY"),
  appUrl: process.env.APP_URL ?? `http://localhost:${port}/`,
  distDir: path.join(path.dirname(fileURLToPath(import.meta.url)), "../dist"),
  port,
});
process.stdout.write(`Example app on ${app.url}/\n`);

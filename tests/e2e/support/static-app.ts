import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export interface StaticApp {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a built single-page app (its `dist/`) on a fixed loopback port, with `/app-config.json`
 * answered from `config` and every unknown path falling back to index.html, as a static host would.
 */
export async function serveStaticApp(distDir: string, port: number, config: unknown): Promise<StaticApp> {
  if (!existsSync(path.join(distDir, "index.html"))) {
    throw new Error(`${distDir}/index.html is missing: build the app first (npm run build --workspaces)`);
  }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/app-config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(config));
      return;
    }
    const file = path.join(distDir, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ""));
    const target = file.startsWith(distDir) && existsSync(file) && statSync(file).isFile() ? file : null;
    const chosen = target ?? path.join(distDir, "index.html");
    try {
      const body = readFileSync(chosen);
      res.writeHead(200, { "content-type": TYPES[path.extname(chosen)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`port ${port} is busy: the example app needs it`) : err),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

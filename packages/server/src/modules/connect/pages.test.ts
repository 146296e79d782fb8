import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { LOGIN_DIST, loginPages } from "./pages.ts";
import type { ConnectService } from "./service.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function appWith(files: Record<string, string>, frameAncestors: string[] | null = null) {
  const dir = mkdtempSync(path.join(tmpdir(), "keyfob-login-dist-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  const app = Fastify();
  const connect = { frameAncestors: async () => frameAncestors } as unknown as ConnectService;
  await app.register(loginPages, { connect, distDir: dir });
  await app.ready();
  return app;
}

describe("login pages", () => {
  it("finds the login app's build next to the server package, from src and from dist alike", () => {
    expect(LOGIN_DIST.replaceAll("\\", "/")).toMatch(/\/packages\/login\/dist\/$/);
  });

  it("serves index.html at / and /oauth/authorize; hashed assets with an immutable cache", async () => {
    const app = await appWith({
      "index.html": '<!doctype html><script type="module" src="/assets/app-1a2b.js"></script>',
      "assets/app-1a2b.js": "console.log(1)",
    });
    for (const url of ["/", "/oauth/authorize?client_id=x"]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("/assets/app-1a2b.js");
      expect(res.headers["cache-control"]).toBe("no-store");
    }
    const asset = await app.inject({ method: "GET", url: "/assets/app-1a2b.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["content-type"]).toMatch(/javascript/);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await app.inject({ method: "GET", url: "/assets/missing.js" })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/assets/../index.html" })).statusCode).not.toBe(200);
    await app.close();
  });

  it("without a build: 503 and a page saying to run npm run build", async () => {
    const app = await appWith({});
    const res = await app.inject({ method: "GET", url: "/" });
    expect(res.statusCode).toBe(503);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toContain("npm run build");
    await app.close();
  });

  it("frame-ancestors come from the license the URL names", async () => {
    const app = await appWith({ "index.html": "x" }, ["https://app.example.com"]);
    const res = await app.inject({ method: "GET", url: "/?clientId=0x1" });
    expect(res.headers["content-security-policy"]).toMatch(/; frame-ancestors https:\/\/app\.example\.com$/);
    expect(res.headers["x-frame-options"]).toBeUndefined();
    await app.close();
  });
});

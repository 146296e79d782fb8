/**
 * The SDKs as an app outside this repository gets them: `npm run pack:sdks` builds the tarballs,
 * a fresh project installs them (with React and the type packages from the npm registry, or npm's
 * cache), loads them in Node, renders @keyfob/react on the server, and type-checks a strict
 * TypeScript app against the published declarations — with Node's and with a bundler's resolution.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../../packages/server/test/support/store.ts";
import { repoRoot } from "../support/server-process.ts";

const run = promisify(execFile);
// Engine-independent: it runs once, in the SQLite pass.
const ONCE = "SQLite pass only: packaging does not depend on the database engine";
const postgresPass = testEngine() === "postgres";

/** The environment without npm's per-run settings (a nested `npm install` must not inherit workspace flags). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_")),
  );
}

let work: string;
let tarballs: string[];
let consumer: string;

beforeAll(async () => {
  if (postgresPass) return;
  work = mkdtempSync(path.join(tmpdir(), "keyfob-pack-"));
  const packed = await run(process.execPath, ["scripts/pack-sdks.mjs", "--out", path.join(work, "out")], {
    cwd: repoRoot,
    env: cleanEnv(),
  });
  tarballs = packed.stdout.trim().split("\n");
  consumer = path.join(work, "consumer");
  cpSync(path.join(repoRoot, "tests/packaging/consumer"), consumer, { recursive: true });
  writeFileSync(
    path.join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  await run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      ...tarballs,
      "react@19.3.1",
      "react-dom@19.3.1",
      "@types/react@19.3.3",
      "@types/react-dom@19.3.0",
      "@types/node@20.19.43",
    ],
    { cwd: consumer, env: cleanEnv() },
  );
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function listTarball(tarball: string): Promise<string[]> {
  const { stdout } = await run("tar", ["-tzf", tarball]);
  return stdout.trim().split("\n").sort();
}

describe("the SDK packages", () => {
  it("hold the compiled JavaScript, its declarations, a README and the manifest — no sources or tests", async (ctx) => {
    if (postgresPass) ctx.skip(ONCE);
    expect(tarballs.map((t) => path.basename(t))).toEqual([
      "keyfob-connect-0.1.0.tgz",
      "keyfob-client-0.1.0.tgz",
      "keyfob-react-0.1.0.tgz",
    ]);
    for (const tarball of tarballs) {
      const entries = await listTarball(tarball);
      expect(entries).toContain("package/dist/index.js");
      expect(entries).toContain("package/dist/index.d.ts");
      expect(entries).toContain("package/README.md");
      for (const entry of entries) {
        expect(entry, `${path.basename(tarball)}: ${entry}`).toMatch(
          /^package\/(package\.json|README\.md|dist\/[\w-]+\.(js|d\.ts))$/,
        );
        expect(entry).not.toMatch(/\.test\./);
      }
    }
  });

  it("publish a manifest that names dist/, is not private, and pins its dependencies", (ctx) => {
    if (postgresPass) ctx.skip(ONCE);
    for (const name of ["connect", "client", "react"]) {
      const manifest = JSON.parse(
        readFileSync(path.join(consumer, "node_modules", "@keyfob", name, "package.json"), "utf8"),
      );
      expect(manifest.private).toBeUndefined();
      expect(manifest.exports).toEqual({ ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } });
      for (const version of Object.values<string>(manifest.dependencies ?? {}))
        expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it("declare relative imports as .js, which every TypeScript version resolves", (ctx) => {
    if (postgresPass) ctx.skip(ONCE);
    for (const name of ["connect", "client", "react"]) {
      const dist = path.join(consumer, "node_modules", "@keyfob", name, "dist");
      for (const file of readdirSync(dist).filter((f) => f.endsWith(".d.ts"))) {
        expect(readFileSync(path.join(dist, file), "utf8"), `${name}/dist/${file}`).not.toMatch(
          /from\s+["']\.{1,2}\/[^"']+\.tsx?["']/,
        );
      }
    }
  });

  it("load in Node as ES modules, and @keyfob/react renders on the server", async (ctx) => {
    if (postgresPass) ctx.skip(ONCE);
    const { stdout } = await run(process.execPath, ["ssr.mjs"], { cwd: consumer, env: cleanEnv() });
    const out = JSON.parse(stdout);
    expect(out.client).toBe("function");
    expect(out.url).toBe(
      "http://localhost:3000/?configurationId=de70de70-0000-4000-8000-000000000001&clientId=0x1111111111111111111111111111111111111111",
    );
    expect(out.html).toMatch(/<button type="button"[^>]*>.*Continue with DIMO<\/span><\/button>/);
  });

  it("type-check a strict app with Node's module resolution and with a bundler's", {
    timeout: 180_000,
  }, async (ctx) => {
    if (postgresPass) ctx.skip(ONCE);
    const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    for (const config of ["tsconfig.nodenext.json", "tsconfig.bundler.json"]) {
      const result = await run(process.execPath, [tsc, "-p", config], { cwd: consumer }).catch(
        (error: { stdout?: string }) => ({ stdout: `FAILED\n${error.stdout ?? String(error)}` }),
      );
      expect(result.stdout, config).toBe("");
    }
  });
});

#!/usr/bin/env node
// Builds the SDKs as npm packages an app outside this repository can install:
//   node scripts/pack-sdks.mjs [--out DIR]        (npm run pack:sdks; default DIR: .packages)
// For each of @keyfob/connect, @keyfob/client and @keyfob/react: compiles src/ to JavaScript with
// type declarations (dist/), stages a package.json whose exports name dist/ instead of the sources
// the workspaces use, and runs `npm pack`. Prints one tarball path per line.
//
// Inside the repository the packages stay consumed from source (their `exports` point at
// src/index.ts), so nothing here changes how the monorepo builds or tests.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Where the packages are assembled before `npm pack`, inside the output folder. */
const STAGE = ".keyfob-stage";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");

/** The packages, in build order (@keyfob/react compiles against @keyfob/connect's declarations). */
const SDKS = [
  {
    dir: "packages/connect",
    compilerOptions: {
      lib: ["ES2023", "DOM", "DOM.Iterable"],
      module: "ESNext",
      moduleResolution: "Bundler",
      types: [],
    },
  },
  {
    dir: "packages/client",
    compilerOptions: { lib: ["ES2023"], module: "NodeNext", moduleResolution: "NodeNext", types: ["node"] },
  },
  {
    dir: "packages/react",
    compilerOptions: {
      lib: ["ES2023", "DOM", "DOM.Iterable"],
      module: "ESNext",
      moduleResolution: "Bundler",
      jsx: "react-jsx",
      types: [],
    },
    // Built against the staged @keyfob/connect's declarations, not its sources.
    paths: (staged) => ({ "@keyfob/connect": [path.join(staged["@keyfob/connect"], "dist", "index.d.ts")] }),
  },
];

function parseArgs(argv) {
  let out = path.join(root, ".packages");
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1]) out = path.resolve(argv[++i]);
    else {
      process.stderr.write(`usage: node scripts/pack-sdks.mjs [--out DIR]\n`);
      process.exit(2);
    }
  }
  return { out };
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

/**
 * Declarations keep the sources' `./x.ts` specifiers; TypeScript versions before 5.7 (and other
 * tools) do not resolve those in a .d.ts, so they become `./x.js`, as in the JavaScript.
 */
function rewriteDeclarationSpecifiers(distDir) {
  for (const file of files(distDir).filter((f) => f.endsWith(".d.ts"))) {
    const text = readFileSync(file, "utf8");
    const rewritten = text.replace(
      /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)\.tsx?(["'])/g,
      "$1$2.js$3",
    );
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

function publishedManifest(source) {
  const manifest = { ...source };
  delete manifest.private;
  delete manifest.devDependencies;
  delete manifest.scripts;
  manifest.exports = { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } };
  manifest.types = "./dist/index.d.ts";
  manifest.files = ["dist", "README.md"];
  manifest.sideEffects = false;
  // The repository pins Node 20 for its own tooling; an app using the SDK may run any newer Node.
  manifest.engines = { node: ">=20.19" };
  return manifest;
}

function pack({ out }) {
  // Only what this script made before is replaced: `--out` may name a folder with other files.
  mkdirSync(out, { recursive: true });
  rmSync(path.join(out, STAGE), { recursive: true, force: true });
  const staged = {};
  const tarballs = [];
  for (const sdk of SDKS) {
    const sourceDir = path.join(root, sdk.dir);
    const manifest = JSON.parse(readFileSync(path.join(sourceDir, "package.json"), "utf8"));
    // npm's tarball name: @keyfob/react 0.1.0 → keyfob-react-0.1.0.tgz
    const slug = manifest.name.replace("@", "").replace("/", "-");
    const stage = path.join(out, STAGE, slug);
    rmSync(path.join(out, `${slug}-${manifest.version}.tgz`), { force: true });
    const dist = path.join(stage, "dist");
    mkdirSync(stage, { recursive: true });
    const tsconfig = path.join(stage, "tsconfig.build.json");
    writeFileSync(
      tsconfig,
      JSON.stringify(
        {
          extends: path.join(root, "tsconfig.base.json"),
          compilerOptions: {
            ...sdk.compilerOptions,
            ...(sdk.paths ? { paths: sdk.paths(staged) } : {}),
            // The staged tsconfig lives outside the repository: look up @types there.
            typeRoots: [path.join(root, "node_modules", "@types")],
            rootDir: path.join(sourceDir, "src"),
            outDir: dist,
            noEmit: false,
            declaration: true,
            declarationMap: false,
            sourceMap: false,
            allowImportingTsExtensions: false,
            rewriteRelativeImportExtensions: true,
          },
          include: [path.join(sourceDir, "src")],
          exclude: [
            path.join(sourceDir, "src", "**", "*.test.ts"),
            path.join(sourceDir, "src", "**", "*.test.tsx"),
          ],
        },
        null,
        2,
      ),
    );
    execFileSync(process.execPath, [tsc, "-p", tsconfig], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    });
    rmSync(tsconfig);
    rewriteDeclarationSpecifiers(dist);
    cpSync(path.join(sourceDir, "README.md"), path.join(stage, "README.md"));
    writeFileSync(
      path.join(stage, "package.json"),
      `${JSON.stringify(publishedManifest(manifest), null, 2)}\n`,
    );
    const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], {
      cwd: stage,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1);
    staged[manifest.name] = stage;
    tarballs.push(path.join(out, tarball));
  }
  return tarballs;
}

for (const tarball of pack(parseArgs(process.argv.slice(2)))) process.stdout.write(`${tarball}\n`);

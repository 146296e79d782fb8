import { defineConfig } from "vitest/config";

// Two workers at most: the machines have two cores, and server-process tests are heavy.
export default defineConfig({
  test: {
    // The login app's tests (packages/login/src, .ts and .tsx) pick jsdom per file:
    // `// @vitest-environment jsdom`.
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/src/**/*.test.tsx",
      "packages/*/test/**/*.test.ts",
      "tests/**/*.test.ts",
    ],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

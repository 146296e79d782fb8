import path from "node:path";
import { defineConfig } from "vitest/config";
import type { TestSpecification } from "vitest/node";
import { BaseSequencer } from "vitest/node";

/**
 * The suites under tests/ start real server processes, CLIs and browsers and run for tens of seconds
 * to minutes; unit test files take a second or two. A fresh clone (CI) has no timing cache, so
 * Vitest would order files by size and a long suite could start last, leaving one worker busy alone
 * at the end. Starting the long suites first lets the short files fill the gaps.
 */
class LongSuitesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const rank = (file: TestSpecification) => {
      const relative = path.relative(root, file.moduleId).split(path.sep).join("/");
      if (/^tests\/(simulator|e2e|cli)\//.test(relative)) return 0;
      if (relative.startsWith("tests/")) return 1;
      return 2;
    };
    // Array.prototype.sort is stable: Vitest's own order holds within each rank.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

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
    sequence: { sequencer: LongSuitesFirst },
  },
});

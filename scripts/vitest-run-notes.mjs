// A tiny Vitest reporter used by scripts/test-all.sh next to the JSON reporter. It records what the
// JSON report leaves out: the note of each skipped test (`ctx.skip(note)`), unhandled errors, and
// how the run ended. Output: `<outputFile>.notes.json` (or $KEYFOB_VITEST_NOTES_FILE).
import { writeFileSync } from "node:fs";
import path from "node:path";

export default class RunNotesReporter {
  file = process.env.KEYFOB_VITEST_NOTES_FILE;
  root = process.cwd();

  onInit(vitest) {
    this.root = vitest.config.root ?? this.root;
    const out = vitest.config.outputFile;
    const json = typeof out === "string" ? out : out?.json;
    if (!this.file && json) this.file = `${path.resolve(this.root, json)}.notes.json`;
  }

  onTestRunEnd(testModules, unhandledErrors, reason) {
    if (!this.file) return;
    const skipped = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state !== "skipped") continue;
        // The same titles as the JSON report's ancestorTitles + title, to match its entries.
        const titles = [test.name];
        for (let parent = test.parent; parent?.type === "suite"; parent = parent.parent)
          titles.unshift(parent.name);
        skipped.push({
          file: path.relative(this.root, mod.moduleId),
          titles,
          mode: test.options.mode,
          note: result.note ?? null,
        });
      }
    }
    const errors = (unhandledErrors ?? []).map((e) => String(e?.stack || e?.message || e).slice(0, 2000));
    writeFileSync(this.file, JSON.stringify({ reason, skipped, unhandledErrors: errors }, null, 2));
  }
}

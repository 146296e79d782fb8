// Sums the results of scripts/test-all.sh and prints the CI summary. Its LAST line is exactly
// `N passed, N failed` (plus `, N skipped` when tests were skipped); exits 1 when anything failed or
// when a Vitest run executed no tests.
//
// usage: node scripts/summarize-results.mjs [--check NAME EXIT_CODE]... [--fail NAME MESSAGE]... [--run LABEL JSON_FILE EXIT_CODE]...
//   --check  a lint/typecheck step: one passed or one failed test
//   --fail   a step that could not run at all (e.g. the PostgreSQL cluster did not start): one failure
//   --run    a Vitest run: its JSON report (--reporter=json --outputFile=...), and the
//            `<file>.notes.json` written by scripts/vitest-run-notes.mjs when present
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const checks = [];
const runs = [];
const broken = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === "--check" && i + 2 < argv.length) {
    checks.push({ name: argv[i + 1], code: Number(argv[i + 2]) });
    i += 2;
  } else if (arg === "--fail" && i + 2 < argv.length) {
    broken.push({ name: argv[i + 1], message: argv[i + 2] });
    i += 2;
  } else if (arg === "--run" && i + 3 < argv.length) {
    runs.push({ label: argv[i + 1], file: argv[i + 2], code: Number(argv[i + 3]) });
    i += 3;
  } else {
    console.error(`summarize-results: unexpected argument ${JSON.stringify(arg)}`);
    process.exit(2);
  }
}

const cwd = process.cwd();
const rel = (file) => (path.isAbsolute(file) ? path.relative(cwd, file) : file);
const firstLine = (text, max = 300) => {
  const all = String(text ?? "")
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  // "Transform failed with 1 error:" and the like say nothing without the line after them.
  let line = all[0] ?? "";
  if (line.endsWith(":") && all[1]) line = `${line} ${all[1]}`;
  return line.length > max ? `${line.slice(0, max)}…` : line;
};
const readJson = (file) => {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
};

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const skips = [];
const lines = [];

for (const check of checks) {
  if (check.code === 0) {
    passed += 1;
    lines.push(`${check.name}: ok`);
  } else {
    failed += 1;
    failures.push(`${check.name}: failed (exit code ${check.code}; output above)`);
    lines.push(`${check.name}: FAILED`);
  }
}

for (const step of broken) {
  failed += 1;
  failures.push(`${step.name}: ${step.message}`);
  lines.push(`${step.name}: NOT RUN (${step.message})`);
}

for (const run of runs) {
  const name = `vitest [${run.label}]`;
  const report = existsSync(run.file) ? readJson(run.file) : undefined;
  if (!report || !Array.isArray(report.testResults)) {
    failed += 1;
    const why = run.code === 124 ? "timed out" : `exit code ${run.code}`;
    failures.push(`${name}: no test report (${why}); see its output above`);
    lines.push(`${name}: NO REPORT (${why})`);
    continue;
  }
  const notes = readJson(`${run.file}.notes.json`);
  let runFailed = report.numFailedTests ?? 0;
  const runPassed = report.numPassedTests ?? 0;
  const runSkipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);

  for (const file of report.testResults) {
    const assertions = file.assertionResults ?? [];
    for (const a of assertions) {
      if (a.status === "failed") {
        failures.push(`${name} ${rel(file.name)} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
      }
    }
    // A file that failed without a failed test: it did not load, or a hook outside the tests failed.
    if (file.status === "failed" && !assertions.some((a) => a.status === "failed")) {
      runFailed += 1;
      const what = assertions.length === 0 ? "failed to load" : "failed outside its tests";
      failures.push(`${name} ${rel(file.name)} ${what}: ${firstLine(file.message) || "(no message)"}`);
    }
  }

  const noted = new Map();
  const key = (file, titles) => [file, ...titles].join("\0");
  for (const s of notes?.skipped ?? []) noted.set(key(s.file, s.titles ?? []), s);
  for (const file of report.testResults) {
    for (const a of file.assertionResults ?? []) {
      if (a.status !== "skipped" && a.status !== "pending" && a.status !== "todo") continue;
      const note = noted.get(key(rel(file.name), [...(a.ancestorTitles ?? []), a.title]))?.note;
      const reason = note ? String(note) : a.status === "todo" ? "todo" : "skipped, no reason given";
      skips.push(`${name} ${rel(file.name)} > ${a.fullName} (${reason})`);
    }
  }

  const unhandled = notes?.unhandledErrors ?? [];
  if (unhandled.length > 0) {
    runFailed += 1;
    failures.push(`${name}: ${unhandled.length} unhandled error(s): ${firstLine(unhandled[0])}`);
  } else if (run.code !== 0 && runFailed === 0) {
    runFailed += 1;
    const why = run.code === 124 ? "timed out" : `exited with code ${run.code} without a failed test`;
    failures.push(`${name}: ${why}; see its output above`);
  }
  if (runPassed + runFailed === 0) {
    runFailed += 1;
    failures.push(`${name}: no tests ran`);
  }

  passed += runPassed;
  failed += runFailed;
  skipped += runSkipped;
  const files = report.testResults.length;
  lines.push(
    `${name}: ${runPassed} passed, ${runFailed} failed${runSkipped ? `, ${runSkipped} skipped` : ""} (${files} files)`,
  );
}

if (checks.length + runs.length + broken.length === 0) {
  failed += 1;
  failures.push("nothing was run");
}

console.log("");
console.log("==================== test summary ====================");
for (const line of lines) console.log(line);
if (skips.length > 0) {
  console.log(`\nSkipped (${skips.length}):`);
  for (const s of skips) console.log(`  - ${s}`);
}
if (failures.length > 0) {
  console.log(`\nFailures (${failures.length}):`);
  for (const f of failures) console.log(`  - ${f}`);
}
console.log("======================================================");
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;

#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm run test:all`):
#   1. chromium for the browser tests (apt-get when missing); the web apps built (one test);
#      lint (biome ci) and typecheck (tsc), one test each;
#   2. the Vitest suite on SQLite, then again on PostgreSQL (a throwaway cluster started here);
#   3. a summary whose last line is exactly `N passed, N failed` (plus `, N skipped`).
# Exits non-zero when anything failed or no tests ran. Nothing is printed after the summary line.
#
# Env knobs: KEYFOB_TEST_PG_PORT (default 54329), KEYFOB_VITEST_TIMEOUT (seconds per Vitest run,
# default 1500), KEYFOB_TEST_SKIP_CHECKS=1 (skip lint/typecheck, for quick local runs).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

# shellcheck source=scripts/pg-test-cluster.sh
source "$ROOT/scripts/pg-test-cluster.sh"

RESULTS="$ROOT/.test-results"
VITEST_TIMEOUT="${KEYFOB_VITEST_TIMEOUT:-1500}"
SUMMARY_ARGS=()

CHILD_PID=""
cleanup() {
  # timeout(1) passes the signal on to the Vitest process group.
  [ -n "$CHILD_PID" ] && kill -TERM "$CHILD_PID" >/dev/null 2>&1 && wait "$CHILD_PID" >/dev/null 2>&1
  pg_cluster_stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

section() { printf '\n===== %s =====\n' "$*"; }

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
export CI="${CI:-1}"
# Plain output in CI logs (Vitest colours its output whenever CI is set).
[ -t 1 ] || export NO_COLOR=1

# A check (lint, typecheck) counts as one test; its output is shown only when it fails.
run_check() {
  local name="$1"
  shift
  local log="$RESULTS/${name%% *}.log"
  section "$name"
  local start=$SECONDS
  "$@" >"$log" 2>&1
  local code=$?
  if [ "$code" -eq 0 ]; then
    echo "ok ($((SECONDS - start)) s)"
  else
    local lines
    lines=$(wc -l <"$log")
    if [ "$lines" -gt 200 ]; then
      head -n 200 "$log"
      echo "... ($((lines - 200)) more lines in ${log#"$ROOT"/})"
    else
      cat "$log"
    fi
    echo "FAILED: $name (exit code $code, $((SECONDS - start)) s)"
  fi
  SUMMARY_ARGS+=(--check "$name" "$code")
}

# One Vitest run; the engine is chosen by KEYFOB_TEST_DATABASE_URL (see packages/server/test/support/store.ts).
run_vitest() {
  local engine="$1"
  local db_url="$2"
  local out="$RESULTS/vitest-$engine.json"
  section "vitest: KEYFOB_TEST_ENGINE=$engine${db_url:+ (KEYFOB_TEST_DATABASE_URL=$db_url)}"
  local -a env_args=(env -u KEYFOB_TEST_DATABASE_URL "KEYFOB_TEST_ENGINE=$engine")
  [ -n "$db_url" ] && env_args+=("KEYFOB_TEST_DATABASE_URL=$db_url")
  # timeout signals the whole process group (npx, vitest, its workers and their server children).
  # Started in the background and waited for, so that Ctrl-C / TERM reach the trap and stop it.
  "${env_args[@]}" timeout --kill-after=30 "$VITEST_TIMEOUT" \
    npx vitest run --reporter=default --reporter=json --reporter=./scripts/vitest-run-notes.mjs \
    --outputFile="$out" </dev/null &
  CHILD_PID=$!
  wait "$CHILD_PID"
  local code=$?
  CHILD_PID=""
  [ "$code" -eq 124 ] && echo "vitest [$engine] timed out after $VITEST_TIMEOUT s"
  SUMMARY_ARGS+=(--run "$engine" "$out" "$code")
}

# The browser the end-to-end tests drive: Debian's chromium, installed here when missing (never a
# downloaded browser). Without it the browser tests fail with a message naming the missing binary.
ensure_chromium() {
  [ -x "${KEYFOB_CHROMIUM_PATH:-/usr/bin/chromium}" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "chromium is not installed and we are not root: install Debian's chromium package"
    return 1
  fi
  echo "installing chromium (apt-get install chromium) ..."
  local log="$RESULTS/chromium-install.log"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } >"$log" 2>&1; then
    tail -n 40 "$log"
    return 1
  fi
}
section "browser (Debian chromium)"
ensure_chromium && "${KEYFOB_CHROMIUM_PATH:-/usr/bin/chromium}" --version

# The web apps the server serves and the end-to-end tests load are built once, before the tests.
run_check "build web apps" npm run build -w @keyfob/login -w @keyfob/console -w @keyfob/example-official-sdk-app -w @keyfob/example-react-app

if [ "${KEYFOB_TEST_SKIP_CHECKS:-0}" != 1 ]; then
  run_check "lint (biome ci)" npx biome ci --colors=off .
  run_check "typecheck (tsc)" npm run --silent typecheck
fi

run_vitest sqlite ""

section "PostgreSQL test cluster"
if pg_cluster_start; then
  run_vitest postgres "postgres://postgres@127.0.0.1:$PG_TEST_PORT/postgres"
  pg_cluster_stop >/dev/null 2>&1 || true
else
  echo "FAILED: the PostgreSQL test cluster did not start; the PostgreSQL run counts as one failure"
  SUMMARY_ARGS+=(--fail "vitest [postgres]" "the PostgreSQL test cluster did not start; see the output above")
fi

# Last: the summary. Its final line is the CI result line; nothing may be printed after it.
node "$ROOT/scripts/summarize-results.mjs" "${SUMMARY_ARGS[@]}"

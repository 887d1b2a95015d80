#!/usr/bin/env bash
# `pnpm test`: everything CI checks. Arguments go to both turbo runs, e.g. `pnpm test --force` to ignore
# turbo's cache, or `--filter=<package>`.
#
# The suites assert on events, never on the wall clock, so they may share the machine: turbo runs two tasks
# at a time (one per core of a small machine). The load suites are the exception: soak and the contract
# package's fault and resilience runs drive the mock as hard as the cores allow, so they run last, one at
# a time, on a machine left to them (`--only`: the first run has just built what they use).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

LOAD_SUITES=(@klingkit/soak @klingkit/contract)

bash scripts/ensure-chromium.sh
biome ci .
turbo run test test:packed typecheck --concurrency=2 "${LOAD_SUITES[@]/#/--filter=!}" "$@"
turbo run typecheck test --concurrency=1 --only "${LOAD_SUITES[@]/#/--filter=}" "$@"

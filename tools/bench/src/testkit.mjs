// Testing speed, side by side with a baseline checkout: a cold start of the mock (import, first
// createMockServer(), first answer) and generate() of 2 images against the in-process mock (the client's
// defaults, pollIntervalMs: 50, and the test kit where the checkout has one). Every sample is a fresh node
// process; the scenarios and checkouts take turns, and the table shows medians.
//
// The baseline is BENCH_BASELINE (a built checkout), or else BENCH_BASELINE_REF (default `main`) checked
// out into a temporary git worktree, installed offline from the pnpm store and built, then removed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineCheckout, commit, current, median, run } from './baseline.mjs';

const samples = Number(process.env.BENCH_SAMPLES ?? 9);
const sampleScript = fileURLToPath(new URL('testkit-sample.mjs', import.meta.url));
/** @param {string} scenario @param {string} root @returns {{ ms: number }} */
const sample = (scenario, root) =>
  JSON.parse(run(process.execPath, [sampleScript, scenario, root], current).split('\n').at(-1) ?? '');

const baseline = baselineCheckout();
try {
  const checkouts = { baseline: baseline.root, current };
  const hasKit = (/** @type {string} */ root) =>
    existsSync(join(root, 'packages/mock-server/dist/testing/index.js'));
  /** @type {[string, string][]} */
  const rows = [
    ['cold', 'cold import + first createMockServer() + first answer'],
    ['generate-defaults', "generate() of 2 images, the client's defaults"],
    ['generate-poll50', 'generate() of 2 images, pollIntervalMs: 50'],
    ['generate-testkit', 'generate() of 2 images, createTestKit() defaults, first call'],
    ['generate-testkit-warm', `generate() of 2 images, createTestKit() defaults, calls 2-11 (median)`],
  ];
  /** @type {Record<string, Record<string, number[]>>} */
  const results = {};
  for (let round = 0; round < samples; round++) {
    for (const [scenario] of rows) {
      for (const [name, root] of Object.entries(checkouts)) {
        if (scenario.startsWith('generate-testkit') && !hasKit(root)) continue;
        const { ms } = sample(scenario, root);
        const byCheckout = results[scenario] ?? {};
        results[scenario] = byCheckout;
        byCheckout[name] = [...(byCheckout[name] ?? []), ms];
      }
    }
    console.error(`round ${round + 1}/${samples} done`);
  }
  const cell = (/** @type {number[] | undefined} */ values) =>
    values
      ? `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`
      : 'n/a';
  const defaults = median(results['generate-defaults']?.baseline ?? []);
  console.log(
    `\nbaseline ${commit(baseline.root)}, this checkout ${commit(current)}; Node ${process.version}; ${samples} fresh processes per cell; ms, median (min-max)\n`,
  );
  console.log('| measured | baseline | this checkout | speed-up |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [scenario, label] of rows) {
    const { baseline: before, current: after } = results[scenario] ?? {};
    // The test kit has no baseline row: it is compared with what a test had to do before, the defaults.
    const reference = before ? median(before) : defaults;
    const speedUp = after ? `${(reference / median(after)).toFixed(1)}x${before ? '' : ' vs defaults'}` : '';
    console.log(`| ${label} | ${cell(before)} | ${cell(after)} | ${speedUp} |`);
  }
} finally {
  baseline.remove();
}

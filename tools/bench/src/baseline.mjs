// The checkout a benchmark compares this one with: BENCH_BASELINE (a built checkout), or else
// BENCH_BASELINE_REF (default `main`) checked out into a temporary git worktree, installed offline from the
// pnpm store and built (the mock and what it depends on), then removed by `remove()`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's root. */
export const current = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };

/**
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 */
export const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

/** @returns {{ root: string, remove: () => void }} */
export function baselineCheckout() {
  if (process.env.BENCH_BASELINE) return { root: process.env.BENCH_BASELINE, remove() {} };
  const ref = process.env.BENCH_BASELINE_REF ?? 'main';
  const root = join(mkdtempSync(join(tmpdir(), 'klingkit-baseline-')), 'checkout');
  console.error(`baseline: ${ref} into ${root} (install from the pnpm store, build)`);
  run('git', ['worktree', 'add', '--detach', root, ref], current);
  const remove = () => {
    run('git', ['worktree', 'remove', '--force', root], current);
    rmSync(join(root, '..'), { recursive: true, force: true });
  };
  try {
    run('pnpm', ['install', '--frozen-lockfile', '--offline'], root);
    run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@klingkit/mock-server'], root);
  } catch (error) {
    remove();
    throw error;
  }
  return { root, remove };
}

/** @param {number[]} values */
export const median = (values) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** The short commit a checkout stands at. @param {string} root */
export const commit = (root) => run('git', ['rev-parse', '--short', 'HEAD'], root);

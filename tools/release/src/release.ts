#!/usr/bin/env node
/**
 * `pnpm release` (after `pnpm build`): packs every public package as it would be published, checks
 * each tarball with publint and attw, and only when all pass publishes with `changeset publish`.
 * With `--dry-run`, or under CI (which has no registry credentials), it stops after the checks.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packAll } from './pack.js';
import { findRoot } from './repo.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      'pack-dir': { type: 'string' },
      root: { type: 'string' },
    },
    strict: true,
  });
  const root = findRoot(values.root ?? process.cwd());
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const dryRun = values['dry-run'] || ci;
  const into = values['pack-dir'] ?? mkdtempSync(join(tmpdir(), 'klingkit-release-'));
  const packed = await packAll(root, { into });
  let failed = false;
  for (const pkg of packed) {
    console.log(`${pkg.problems.length ? 'FAIL' : 'ok  '}  ${pkg.name}@${pkg.version}  ${pkg.tarball}`);
    for (const problem of pkg.problems) console.log(`      ${problem.replace(/\n/g, '\n      ')}`);
    failed ||= pkg.problems.length > 0;
  }
  if (!values['pack-dir']) rmSync(into, { recursive: true, force: true });
  if (failed) {
    console.error('release: a packed package failed publint or attw; nothing was published.');
    return 1;
  }
  if (dryRun) {
    console.log(
      `release: dry run${ci && !values['dry-run'] ? ' (CI has no registry credentials)' : ''}: ` +
        `${packed.length} package(s) packed and checked; \`changeset publish\` would publish the versions not yet on the registry.`,
    );
    return 0;
  }
  await new Promise<void>((resolvePublish, reject) => {
    const child = execFile('pnpm', ['exec', 'changeset', 'publish'], { cwd: root }, (error) =>
      error ? reject(error) : resolvePublish(),
    );
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`release: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

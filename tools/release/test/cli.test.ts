/**
 * `spec:diff` as a developer runs it (the built dist/cli.js, which turbo builds before this test), in a
 * small workspace whose bundle lost an enum value since the baseline. The fix the failure message
 * prints is applied verbatim, which proves the message is enough to act on.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type FixtureSpec, propertyOf, specAt } from './fixture-spec.js';
import { workspacesRemovedAfterEach } from './workspace.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const newWorkspace = workspacesRemovedAfterEach();
const workspace = (files: Record<string, unknown>) => newWorkspace({ files });

const narrowed = (spec: FixtureSpec) => {
  propertyOf(spec, 'CreateThing', 'aspect_ratio').enum = ['16:9', '1:1'];
};

async function specDiff(root: string, ...args: string[]) {
  return run(process.execPath, [CLI, '--root', root, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (failed: { code: number; stdout: string; stderr: string }) => ({
      code: failed.code,
      stdout: failed.stdout,
      stderr: failed.stderr,
    }),
  );
}

describe('pnpm spec:diff', () => {
  it('fails a breaking change without a changeset, says why and how to fix it; the printed fix passes', async () => {
    const root = workspace({
      'spec/baseline/openapi.json': specAt('0.1.0'),
      'spec/dist/openapi.json': specAt('0.1.0', narrowed),
    });
    const failed = await specDiff(root);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('/components/schemas/CreateThing/properties/aspect_ratio/enum');
    expect(failed.stderr).toContain("request enum aspect_ratio lost '2:3': requests that send it now fail");
    expect(failed.stderr).toMatch(/BREAKING\s+needs major/);
    expect(failed.stderr).toContain('@klingkit/client       none   0.1.0 -> 0.1.0  [needs major]');

    const snippet = failed.stderr.slice(failed.stderr.indexOf('---\n'));
    mkdirSync(join(root, '.changeset'), { recursive: true });
    writeFileSync(join(root, '.changeset', 'narrow-aspect-ratio.md'), snippet);
    const passed = await specDiff(root);
    expect(passed.stderr).toBe('');
    expect(passed.code).toBe(0);
    expect(passed.stdout).toContain('OK: the pending changesets cover every change.');
    expect(passed.stdout).toContain(
      '@klingkit/spec         major  0.1.0 -> 1.0.0 from .changeset/narrow-aspect-ratio.md  [ok]',
    );
  });

  it('prints JSON with --json', async () => {
    const root = workspace({
      'spec/baseline/openapi.json': specAt('0.1.0'),
      'spec/dist/openapi.json': specAt('0.1.0', narrowed),
    });
    const result = await specDiff(root, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.required).toBe('major');
    expect(report.changes).toEqual([
      expect.objectContaining({
        pointer: '/components/schemas/CreateThing/properties/aspect_ratio/enum',
        class: 'breaking',
        operations: ['createThing'],
      }),
    ]);
  });

  it('passes an unchanged spec', async () => {
    const root = workspace({
      'spec/baseline/openapi.json': specAt('0.1.0'),
      'spec/dist/openapi.json': specAt('0.1.0'),
    });
    const result = await specDiff(root);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('the bundled spec equals the last released one');
  });

  it('fails when the baseline is of another version than the spec package (changeset version run alone)', async () => {
    const root = workspace({
      'spec/baseline/openapi.json': specAt('0.0.9'),
      'spec/dist/openapi.json': specAt('0.1.0'),
    });
    const result = await specDiff(root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is the spec of version 0.0.9, but @klingkit/spec is at 0.1.0');
    expect(result.stderr).toContain('pnpm version-packages');
  });

  it('exits 2 with a clear error when the bundle is missing, or an option is unknown', async () => {
    const root = workspace({ 'spec/baseline/openapi.json': specAt('0.1.0') });
    const missing = await specDiff(root);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('the bundled spec not found');
    expect(missing.stderr).toContain('pnpm --filter @klingkit/spec bundle');
    const unknown = await specDiff(root, '--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
  });
});

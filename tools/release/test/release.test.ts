/**
 * `pnpm release` stops before publishing when a packed package fails publint or attw. (The rehearsal
 * test runs the passing path on the real packages.)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const RELEASE = fileURLToPath(new URL('../dist/release.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'klingkit-release-broken-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, content: string): void {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), content);
}

describe('pnpm release', () => {
  it('refuses to publish when a tarball fails publint (a missing export) or attw (CJS types over ESM)', async () => {
    write('pnpm-workspace.yaml', 'packages:\n  - packages/*\n');
    write('package.json', JSON.stringify({ name: 'fixture-root', private: true }));
    write(
      'packages/broken/package.json',
      JSON.stringify({
        name: '@fixture/broken',
        version: '1.0.0',
        type: 'module',
        files: ['index.js'],
        exports: { '.': { types: './index.d.ts', default: './missing.js' } },
      }),
    );
    write('packages/broken/index.js', 'export const ok = true;\n');
    // Files all there, but CommonJS typings over an ES module: publint may pass it, attw does not.
    write(
      'packages/wrong-types/package.json',
      JSON.stringify({
        name: '@fixture/wrong-types',
        version: '1.0.0',
        type: 'module',
        files: ['index.js', 'index.d.cts'],
        exports: { '.': { types: './index.d.cts', default: './index.js' } },
      }),
    );
    write('packages/wrong-types/index.js', 'export const ok = true;\n');
    write('packages/wrong-types/index.d.cts', 'export declare const ok: boolean;\n');
    write(
      'packages/private/package.json',
      JSON.stringify({ name: '@fixture/private', version: '1.0.0', private: true }),
    );
    const packs = join(root, 'packs');
    mkdirSync(packs);

    const result = await run(process.execPath, [
      RELEASE,
      '--root',
      root,
      '--pack-dir',
      packs,
      '--dry-run',
    ]).then(
      () => ({ code: 0, out: '' }),
      (failed: { code: number; stdout: string; stderr: string }) => ({
        code: failed.code,
        out: failed.stdout + failed.stderr,
      }),
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain('FAIL  @fixture/broken@1.0.0');
    expect(result.out).toMatch(
      /publint: pkg\.exports\["\."\]\.default is \.\/missing\.js but the file does not exist/,
    );
    expect(result.out).toContain('FAIL  @fixture/wrong-types@1.0.0');
    expect(result.out).toMatch(
      /attw: [\s\S]*Import resolved to a CommonJS type declaration file, but an ESM JavaScript file/,
    );
    expect(result.out).toContain('nothing was published');
    // Only the public packages were packed.
    expect(readdirSync(packs).sort()).toEqual(['fixture-broken-1.0.0.tgz', 'fixture-wrong-types-1.0.0.tgz']);
  }, 60_000);
});

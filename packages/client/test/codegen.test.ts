import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateSchemaSource, schemaFile } from '../scripts/codegen.mjs';
import { staleDiff } from '../scripts/stale-diff.mjs';
import { expectFresh } from './fresh.js';

const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

describe('generated types', () => {
  it('match what the current bundled spec generates (run `pnpm --filter @klingkit/client codegen`)', async () => {
    await expectFresh(schemaFile, generateSchemaSource);
  });
});

describe('staleDiff', () => {
  it('is empty for equal texts, and otherwise a hunk per change with three lines of context, the committed side -', () => {
    expect(staleDiff('a\nb\n', 'a\nb\n')).toBe('');
    const lines = Array.from({ length: 15 }, (_, i) => `${i + 1}`);
    const edited = lines.map((line) => (line === '5' ? 'FIVE' : line === '14' ? 'X' : line));
    expect(staleDiff(`${lines.join('\n')}\n`, `${edited.join('\n')}\n`, { label: 'x.ts' })).toBe(
      [
        '--- x.ts (committed)',
        '+++ x.ts (generated from the spec)',
        '@@ -2,7 +2,7 @@',
        ' 2',
        ' 3',
        ' 4',
        '-5',
        '+FIVE',
        ' 6',
        ' 7',
        ' 8',
        '@@ -11,5 +11,5 @@',
        ' 11',
        ' 12',
        ' 13',
        '-14',
        '+X',
        ' 15',
      ].join('\n'),
    );
    // Any difference shows, a missing final newline too.
    expect(staleDiff('a', 'a\n')).toContain('No newline at end of file');
  });

  it('stops after maxLines lines below the header and says how many more there were', () => {
    const diff = staleDiff('x\n'.repeat(5), 'y\n'.repeat(50), { maxLines: 6 }).split('\n');
    expect(diff.slice(2)).toEqual([
      '@@ -1,5 +1,50 @@',
      '-x',
      '-x',
      '-x',
      '-x',
      '-x',
      '... 50 more lines of this diff',
    ]);
  });
});

describe('codegen --check', () => {
  it('names each stale file and prints how it differs, at most 40 lines of it, and exits 1', async () => {
    // The package's scripts and generated files, copied, with its node_modules linked so the copy resolves
    // the spec and openapi-typescript as the package does; the script reads the copy's src/generated.
    const copy = await mkdtemp(join(tmpdir(), 'klingkit-codegen-'));
    try {
      await cp(join(PACKAGE, 'scripts'), join(copy, 'scripts'), { recursive: true });
      await cp(join(PACKAGE, 'src/generated'), join(copy, 'src/generated'), { recursive: true });
      await symlink(join(PACKAGE, 'node_modules'), join(copy, 'node_modules'), 'dir');
      const enums = join(copy, 'src/generated/enums.ts');
      const committed = await readFile(enums, 'utf8');
      const edited = committed.replace('"kling-v1-5",', '"kling-v1-6",');
      expect(edited).not.toBe(committed);
      await writeFile(enums, edited);
      // A file far from the generated one: its diff is cut short.
      await writeFile(join(copy, 'src/generated/error-codes.ts'), 'stale\n'.repeat(200));

      const result = await run(process.execPath, [join(copy, 'scripts/codegen.mjs'), '--check'], {
        cwd: copy,
        env: { ...process.env, CI: '' },
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (failed: { code: number; stdout: string; stderr: string }) => failed,
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('src/generated/schema.ts is up to date with the spec.');
      // Each stale file's report: its name, the diff, then what to run.
      const reports = result.stderr.split(/\n(?=src\/generated\/)/);
      const hunkOf = (file: string) => {
        const lines = (reports.find((report) => report.startsWith(`${file} is stale`)) ?? '').split('\n');
        expect(lines[1], file).toBe(`--- ${file} (committed)`);
        const to = lines.findIndex((line) => line.startsWith('Run `pnpm --filter @klingkit/client codegen`'));
        return lines.slice(lines.findIndex((line) => line.startsWith('@@ ')) + 1, to);
      };
      const changed = committed.split('\n').find((line) => line.includes('"kling-v1-5",')) as string;
      const enumsHunk = hunkOf('src/generated/enums.ts');
      expect(enumsHunk).toContain(`-${changed.replace('"kling-v1-5",', '"kling-v1-6",')}`);
      expect(enumsHunk).toContain(`+${changed}`);
      const codesHunk = hunkOf('src/generated/error-codes.ts');
      // 40 lines below the header: the hunk's @@ line and 39 of its lines, then how many more.
      expect(codesHunk).toHaveLength(40);
      expect(codesHunk.slice(0, 39).every((line) => /^[-+ ]/.test(line))).toBe(true);
      expect(codesHunk[39]).toMatch(/^\.\.\. \d+ more lines of this diff$/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }, 60_000);
});

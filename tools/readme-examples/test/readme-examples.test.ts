import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const here = fileURLToPath(new URL('../', import.meta.url));
const workDir = join(here, 'test-output', 'examples');
const READMES = [
  'README.md',
  'spec/README.md',
  'packages/client/README.md',
  'packages/mock-server/README.md',
  'apps/cli/README.md',
  'apps/gallery/README.md',
];

/** Every ```ts block of a Markdown file, with the line it starts on. */
function typescriptBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const pattern = /^```(?:ts|typescript)\n([\s\S]*?)^```/gm;
  for (const match of markdown.matchAll(pattern)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1] as string });
  }
  return blocks;
}

describe('README examples', () => {
  it('type-check against the built packages', async () => {
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    const files: string[] = [];
    for (const readme of READMES) {
      const markdown = await readFile(join(repo, readme), 'utf8').catch(() => '');
      for (const { line, code } of typescriptBlocks(markdown)) {
        const name = `${readme.replace(/[/.]/g, '_')}_L${line}.ts`;
        // `export {}` makes each example a module, so top-level await and imports behave as in a user's file.
        await writeFile(join(workDir, name), `// ${readme}:${line}\n${code}\nexport {};\n`);
        files.push(name);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(3);
    await writeFile(
      join(workDir, 'tsconfig.json'),
      JSON.stringify({
        extends: relative(workDir, join(repo, 'tsconfig.base.json')),
        compilerOptions: { noEmit: true, types: ['node'] },
        include: ['*.ts'],
      }),
    );
    const tsc = join(here, 'node_modules', '.bin', 'tsc');
    const result = await promisify(execFile)(tsc, ['-p', workDir]).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(result).toBe('');
  }, 60_000);
});

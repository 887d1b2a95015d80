import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { findReadmes, REPO as repo, typescriptBlocks, WITH_EXAMPLES } from './readmes.js';

const here = fileURLToPath(new URL('../', import.meta.url));
const workDir = join(here, 'test-output', 'examples');

/** An example that imports vitest is a whole test file: it is run as well as type-checked. */
const isTestFile = (code: string) => /^import [^;]+ from 'vitest';$/m.test(code);

const files: { name: string; runs: boolean }[] = [];
/** How many ```ts blocks each README holds. */
const blockCounts = new Map<string, number>();

beforeAll(async () => {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  for (const readme of findReadmes()) {
    const blocks = typescriptBlocks(await readFile(join(repo, readme), 'utf8'));
    blockCounts.set(readme, blocks.length);
    for (const { line, code } of blocks) {
      const runs = isTestFile(code);
      const name = `${readme.replace(/[/.]/g, '_')}_L${line}${runs ? '.test' : ''}.ts`;
      // `export {}` makes each example a module, so top-level await and imports behave as in a user's file.
      await writeFile(join(workDir, name), `// ${readme}:${line}\n${code}\nexport {};\n`);
      files.push({ name, runs });
    }
  }
});

describe('README examples', () => {
  it('are found where they belong: a README meant to show code that is missing or holds none fails', () => {
    const missing = WITH_EXAMPLES.filter((readme) => !blockCounts.get(readme));
    expect(missing, 'READMEs missing, or without a ```ts block').toEqual([]);
  });

  it('type-check against the built packages', async () => {
    expect(files.length).toBeGreaterThanOrEqual(WITH_EXAMPLES.length);
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

  it('run the examples that are test files (the MSW example among them)', async () => {
    const tests = files.filter((file) => file.runs).map((file) => file.name);
    expect(tests.some((name) => name.startsWith('packages_mock-server_README_md'))).toBe(true);
    const vitest = join(here, 'node_modules', '.bin', 'vitest');
    // Its own vitest process and config (vitest would otherwise find this tool's), as a user's project runs it.
    await writeFile(
      join(workDir, 'vitest.config.mjs'),
      "export default { test: { include: ['*.test.ts'], testTimeout: 30000 } };\n",
    );
    const args = [
      'run',
      '--root',
      workDir,
      '--config',
      join(workDir, 'vitest.config.mjs'),
      '--reporter',
      'json',
    ];
    const result = await promisify(execFile)(vitest, args, {
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      ({ stdout }) => stdout,
      (error: { stdout: string; stderr: string }) => error.stdout || error.stderr,
    );
    const report = JSON.parse(result.slice(result.indexOf('{'))) as {
      testResults: { name: string; status: string; message: string }[];
      numPassedTests: number;
      numTotalTests: number;
    };
    const ran = report.testResults.map((file) => relative(workDir, file.name)).sort();
    expect(ran).toEqual([...tests].sort());
    expect(report.testResults.filter((file) => file.status !== 'passed')).toEqual([]);
    expect(report.numPassedTests).toBe(report.numTotalTests);
    expect(report.numTotalTests).toBeGreaterThan(0);
  }, 120_000);
});

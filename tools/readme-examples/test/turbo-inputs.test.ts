/**
 * turbo replays a task's last result while the task's hash is unchanged, so a file that a task reads but
 * its hash leaves out lets a stale pass stand after that file changes. In a throwaway copy of the
 * repository (the files git knows, as they are on disk), this touches each file that a task reads from
 * outside what turbo hashes by default and asks turbo, with a dry run, whether the task would run again.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReadmes, REPO } from './readmes.js';

const TURBO = join(REPO, 'node_modules', '.bin', 'turbo');
const TASKS = ['build', 'typecheck', 'test', 'test:packed'];

/** Each file, and the tasks that read it: touching the file must change each task's hash. */
const READ_BY: [file: string, tasks: string[]][] = [
  // The README examples test reads every README the patterns find (its own package holds none).
  ...findReadmes().map((readme): [string, string[]] => [readme, ['@klingkit/readme-examples#test']]),
  // Every tsconfig extends the root one, and the README examples are type-checked against it.
  [
    'tsconfig.base.json',
    [
      '@klingkit/client#build',
      '@klingkit/client#typecheck',
      '@klingkit/mock-server#build',
      '@klingkit/cli#typecheck',
      '@klingkit/readme-examples#test',
    ],
  ],
  // vite builds the gallery from its page and its config, beside src/.
  ['apps/gallery/index.html', ['@klingkit/gallery#build']],
  ['apps/gallery/vite.config.ts', ['@klingkit/gallery#build']],
  // The packed-consumer test and the release rehearsal pack the published packages: what they pack is read.
  ['packages/client/README.md', ['@klingkit/packed-consumer#test:packed', '@klingkit/release#test']],
  [
    'packages/mock-server/bin/kling-mock.js',
    ['@klingkit/packed-consumer#test:packed', '@klingkit/release#test'],
  ],
  ['spec/conformance.mjs', ['@klingkit/packed-consumer#test:packed', '@klingkit/release#test']],
  ['packages/mock-server/LICENSE', ['@klingkit/packed-consumer#test:packed', '@klingkit/release#test']],
  // A test helper package, imported as TypeScript source and never built: its dependents' tests still rerun.
  ['tools/test-browser/src/chromium.ts', ['@klingkit/gallery#test', '@klingkit/mock-server#test']],
  // The rehearsal runs the repository's own scripts, turbo's pipeline among them, in its copy.
  ['turbo.json', ['@klingkit/release#test', '@klingkit/readme-examples#test']],
];

let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'klingkit-turbo-inputs-'));
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file && existsSync(join(REPO, file)));
  for (const file of listed) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(REPO, file), join(copy, file));
  }
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

/** Every task's hash in the copy, by turbo's dry run. */
async function hashes(): Promise<Map<string, string>> {
  const { stdout } = await promisify(execFile)(TURBO, ['run', ...TASKS, '--dry=json'], {
    cwd: copy,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const { tasks } = JSON.parse(stdout) as { tasks: { taskId: string; hash: string }[] };
  return new Map(tasks.map(({ taskId, hash }) => [taskId, hash]));
}

describe('turbo.json inputs', () => {
  it("see every README in the repository but the changesets folder's, which holds no code", () => {
    const known = execFileSync(
      'git',
      ['ls-files', '--cached', '--others', '--exclude-standard', '*README.md'],
      {
        cwd: REPO,
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter((file) => file && file !== '.changeset/README.md');
    expect(findReadmes().sort()).toEqual(known.sort());
  });

  it('cover every file a task reads from outside its package: touching one makes the task run again', async () => {
    const before = await hashes();
    const unchanged: string[] = [];
    for (const [file, tasks] of READ_BY) {
      const path = join(copy, file);
      const original = readFileSync(path);
      appendFileSync(path, '\n');
      try {
        const after = await hashes();
        for (const task of tasks) {
          expect(before.get(task), `${task} is not in the dry run`).toBeDefined();
          if (after.get(task) === before.get(task)) unchanged.push(`${file} -> ${task}`);
        }
      } finally {
        writeFileSync(path, original);
      }
    }
    expect(unchanged, 'files read by a task whose hash ignores them (declare them in turbo.json)').toEqual(
      [],
    );
  }, 120_000);
});

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

// Both checks read the built dist/, which turbo builds before `test`.
describe('the packed package', () => {
  it('passes publint with no messages', async () => {
    const { messages, pkg } = await publint({
      pkgDir: packageDir,
      level: 'suggestion',
      strict: true,
      pack: 'pnpm',
    });
    expect(messages.map((message) => formatMessage(message, pkg))).toEqual([]);
  });

  it('passes @arethetypeswrong for ESM consumers (node16, bundler)', async () => {
    const attw = fileURLToPath(new URL('../node_modules/.bin/attw', import.meta.url));
    const result = await run(attw, ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped'], {
      cwd: packageDir,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    }).then(
      (ok) => ({ code: 0, output: ok.stdout }),
      (failed: { code: number; stdout: string; stderr: string }) => ({
        code: failed.code,
        output: failed.stdout + failed.stderr,
      }),
    );
    // attw exits non-zero on any problem the esm-only profile does not ignore (node10 and require()).
    expect(result.code, result.output).toBe(0);
    for (const entry of [
      '@klingkit/client',
      '@klingkit/client/callbacks',
      '@klingkit/client/node',
      '@klingkit/client/schema',
    ]) {
      expect(result.output).toMatch(new RegExp(`"${entry}"\\s+│ 🟢 \\(ESM\\)\\s+│ 🟢 `));
    }
  }, 60_000);
});

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `kling-mock record` and `kling-mock --replay` / `--drift`, spawned as a user runs them: a drifted mock
 * stands in for the platform, the recorder sits in front of it, and a third process replays what it wrote.
 */

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const KEY = 'apikey-record-cli-0123456789';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kling-record-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the CLI and resolves once `ready` matches its output, with the URL it printed after `at`. */
async function start(args: string[], ready: RegExp, at = /listening on /) {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const match = new RegExp(`${at.source}(http://127\\.0\\.0\\.1:\\d+)`).exec(output);
      if (match && ready.test(output)) resolve(match[1] as string);
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    void exited.then((code) => reject(new Error(`kling-mock exited with ${code}: ${output}`)));
  });
  return {
    url,
    output: () => output,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

const get = async (url: string) => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
  return {
    status: response.status,
    body: await response.text(),
    replay: response.headers.get('x-kling-mock-replay'),
  };
};

describe('kling-mock record and --replay', () => {
  it('records a drifted mock through the proxy, reports the drift on SIGINT, and replays the cassette', async () => {
    const platform = await start(
      ['--port', '0', '--api-key', KEY, '--drift', '{"addFields": {"queue_position": 3}}'],
      /Mock controls/,
    );
    expect(platform.output()).toContain('Drift on: answers break the spec on purpose (--drift)');
    const out = join(dir, 'session');
    let recorded: { status: number; body: string };
    const recorder = await start(
      ['record', '--target', platform.url, '--out', out, '--port', '0'],
      /Cassette /,
      / through /,
    );
    try {
      expect(recorder.output()).toContain(`Recording ${platform.url} through ${recorder.url}`);
      recorded = await get(`${recorder.url}/v1/images/generations?pageSize=5`);
      expect(recorded.status).toBe(200);
      expect(await recorder.stop('SIGINT')).toBe(0);
    } finally {
      await recorder.stop();
      await platform.stop();
    }
    expect(recorder.output()).toContain('1 exchange(s) recorded, 0 drift finding(s)');
    // An empty list has no task to carry the added field: nothing drifted, and the report says so.
    expect(await readFile(join(out, 'drift.md'), 'utf8')).toContain('No drift');

    const replay = await start(['--port', '0', '--replay', out], /Mock controls/);
    try {
      expect(replay.output()).toContain(`Replaying ${out}`);
      const replayed = await get(`${replay.url}/v1/images/generations?pageSize=5`);
      expect(replayed).toEqual({ ...recorded, replay: 'recording.cassette.jsonl#1' });
      // Not recorded: simulated by the replaying mock, which knows only its own credentials.
      expect((await get(`${replay.url}/v1/images/generations?pageSize=6`)).status).toBe(401);
    } finally {
      await replay.stop();
    }
  });

  it('refuses bad flags in one line (exit 2) and an unreadable cassette (exit 1)', async () => {
    const noTarget = await run(['record', '--out', dir]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/^kling-mock record: --target is required/);
    const badTarget = await run(['record', '--target', 'file:///etc/passwd']);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toMatch(/--target must be an http\(s\) base URL/);
    const badTimeout = await run(['record', '--target', 'http://127.0.0.1:9', '--timeout-ms', '0x10']);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toMatch(/--timeout-ms must be a whole number from 1/);
    const badDrift = await run(['--drift', '{"statusNames": {"queued": "x"}}']);
    expect(badDrift.code).toBe(2);
    expect(badDrift.stderr).toMatch(/--drift\.statusNames has no field "queued"/);
    const notJson = await run(['--drift', '{oops']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--drift must be a JSON object/);
    const missing = await run(['--replay', join(dir, 'no-such-dir')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^kling-mock: --replay: cannot read/);
    expect((await run(['record', '--help'])).stdout).toContain('Usage: kling-mock record --target URL');
    expect((await run(['--help'])).stdout).toContain('--replay PATH');
  });
});

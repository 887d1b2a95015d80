import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './fixtures/kling-mock-cli.js';
import { tempDirForFile } from './fixtures/temp-dir.js';

/**
 * `kling-mock record` and `kling-mock --replay` / `--drift`, spawned as a user runs them: a drifted mock
 * stands in for the platform, the recorder sits in front of it, and a third process replays what it wrote.
 */

const KEY = 'apikey-record-cli-0123456789';
const dir = tempDirForFile('kling-record-cli-');

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
    const platform = await startCli([
      '--port',
      '0',
      '--api-key',
      KEY,
      '--drift',
      '{"addFields": {"queue_position": 3}}',
    ]);
    expect(platform.output()).toContain('Drift on: answers break the spec on purpose (--drift)');
    const out = join(dir(), 'session');
    let recorded: { status: number; body: string };
    const recorder = await startCli(['record', '--target', platform.url, '--out', out, '--port', '0'], {
      ready: /Cassette /,
      at: / through /,
    });
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

    const replay = await startCli(['--port', '0', '--replay', out]);
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
    const noTarget = await runCli(['record', '--out', dir()]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/^kling-mock record: --target is required/);
    const badTarget = await runCli(['record', '--target', 'file:///etc/passwd']);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toMatch(/--target must be an http\(s\) base URL/);
    const badTimeout = await runCli(['record', '--target', 'http://127.0.0.1:9', '--timeout-ms', '0x10']);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toMatch(/--timeout-ms must be a whole number from 1/);
    const badDrift = await runCli(['--drift', '{"statusNames": {"queued": "x"}}']);
    expect(badDrift.code).toBe(2);
    expect(badDrift.stderr).toMatch(/--drift\.statusNames has no field "queued"/);
    const notJson = await runCli(['--drift', '{oops']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--drift must be a JSON object/);
    const missing = await runCli(['--replay', join(dir(), 'no-such-dir')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^kling-mock: --replay: cannot read/);
    expect((await runCli(['record', '--help'])).stdout).toContain('Usage: kling-mock record --target URL');
    expect((await runCli(['--help'])).stdout).toContain('--replay PATH');
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './fixtures/kling-mock-cli.js';
import { tempDirForFile } from './fixtures/temp-dir.js';

/**
 * The built `kling-mock` CLI, spawned as a user would run it: every flag reaches its option, every bad value
 * is one line naming the flag (exit 2), and a mock that cannot start says why in one line (exit 1).
 */

const API_KEY = 'apikey-cli-flags-0123456789';
const TOKEN = 'cli-flags-control-token-0123';
const dir = tempDirForFile('kling-mock-cli-');

/** The CLI on a free port, once it has printed its last start-up line. */
const start = (args: string[]) => startCli(['--port', '0', ...args]);
const run = runCli;

const token = { 'x-kling-mock-token': TOKEN };
const json = { 'content-type': 'application/json' };

describe('kling-mock flags', () => {
  it('passes fault, limit and timing flags to the mock', async () => {
    const mock = await start([
      ...[
        '--latency-ms',
        '5',
        '--server-error-rate',
        '0.1',
        '--rate-limit-rate',
        '0.2',
        '--drop-rate',
        '0.05',
      ],
      ...['--after-create-share', '0.25', '--fault-seed', '42', '--retry-after-seconds', '3'],
      ...['--requests-per-second', '1000', '--balance', '7', '--concurrency', '9', '--journal-size', '1'],
      ...[
        '--profile',
        'realistic',
        '--processing-after-ms',
        '100',
        '--processing-ms',
        '2.5e2',
        '--per-image-ms',
        '30',
      ],
    ]);
    try {
      expect(await (await fetch(`${mock.url}/__mock/config`)).json()).toEqual({
        timings: { processingAfterMs: 100, processingMs: 250, perImageMs: 30 },
        limits: { concurrency: 9, requestsPerSecond: 1000, balance: 7 },
        faults: {
          latencyMs: 5,
          serverErrorRate: 0.1,
          rateLimitRate: 0.2,
          dropRate: 0.05,
          afterCreateShare: 0.25,
          seed: 42,
          retryAfterSeconds: 3,
        },
      });
      // The journal keeps one request: the last.
      for (const id of ['a', 'b']) await fetch(`${mock.url}/v1/images/generations/${id}`);
      const journal = (await (await fetch(`${mock.url}/__mock/requests`)).json()) as { path: string }[];
      expect(journal.map((entry) => entry.path)).toEqual(['/v1/images/generations/b']);
    } finally {
      expect(await mock.stop()).toBe(0);
    }
  });

  it('seeds from a file, serves results on --public-url for --retention-days, and bounds bodies and slow headers', async () => {
    const seed = join(dir(), 'seed.json');
    await writeFile(
      seed,
      JSON.stringify({
        tasks: [
          { request: { prompt: 'seeded from a file', n: 2 }, ageMs: 60_000 },
          { request: { prompt: 'it failed' }, task: { task_status: 'failed', task_status_msg: 'no' } },
        ],
      }),
    );
    const mock = await start([
      ...['--api-key', API_KEY, '--control-token', TOKEN, '--seed', seed],
      ...['--public-url', 'https://kling.example/mock/', '--retention-days', '1', '--max-body-bytes', '4096'],
      ...['--headers-timeout-ms', '300', '--request-timeout-ms', '600'],
    ]);
    try {
      expect(mock.output()).toContain('Seeded 2 task(s)');
      const auth = { authorization: `Bearer ${API_KEY}` };
      const listed = (await (await fetch(`${mock.url}/v1/images/generations`, { headers: auth })).json()) as {
        data: { task_status: string; task_status_msg: string; task_result?: { images: { url: string }[] } }[];
      };
      expect(listed.data.map((task) => task.task_status)).toEqual(['failed', 'succeed']);
      const url = listed.data[1]?.task_result?.images[1]?.url as string;
      expect(url).toMatch(/^https:\/\/kling\.example\/mock\/__mock\/images\/\d+\/1\.png$/);
      const local = url.replace('https://kling.example/mock', mock.url);
      expect((await fetch(local)).status).toBe(200);
      const clock = (advanceMs: number) =>
        fetch(`${mock.url}/__mock/clock`, {
          method: 'POST',
          headers: { ...json, ...token },
          body: JSON.stringify({ advanceMs }),
        });
      expect((await clock(24 * 60 * 60 * 1000 - 120_000)).status).toBe(200);
      expect((await fetch(local)).status).toBe(200);
      expect((await clock(120_000)).status).toBe(200);
      expect((await fetch(local)).status).toBe(404);

      const tooLarge = await fetch(`${mock.url}/v1/images/generations`, {
        method: 'POST',
        headers: { ...auth, ...json },
        body: JSON.stringify({ prompt: 'x'.repeat(5000) }),
      });
      expect(tooLarge.status).toBe(413);

      // Headers that never finish: refused on the flag's time, which the answer names.
      const socket = connect(Number(new URL(mock.url).port), '127.0.0.1');
      socket.write('GET /v1/images/generations HTTP/1.1\r\nhost: 127.0.0.1\r\n');
      let answer = '';
      for await (const chunk of socket) answer += chunk;
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
      expect(answer).toContain('headers within 300 ms, the whole request within 600 ms');
    } finally {
      expect(await mock.stop()).toBe(0);
    }
  });

  it('refuses every bad value with one line naming the flag and what it takes, and exits 2', async () => {
    const cases: [args: string[], says: string][] = [
      [['--latency-ms', '60001'], '--latency-ms must be a number from 0 to 60000 (60 s); got "60001"'],
      [['--server-error-rate', '1.5'], '--server-error-rate must be a number from 0 to 1; got "1.5"'],
      [['--drop-rate', 'often'], '--drop-rate must be a number from 0 to 1; got "often"'],
      [['--fault-seed', '1.5'], '--fault-seed must be a whole number from 0 to 4294967295; got "1.5"'],
      [
        ['--retry-after-seconds', '3601'],
        '--retry-after-seconds must be a whole number from 0 to 3600 (1 hour); got "3601"',
      ],
      [
        ['--journal-size', '1e6'],
        '--journal-size must be a whole number from 0 to 100000 (requests); got "1e6"',
      ],
      [['--requests-per-second', '0'], '--requests-per-second must be a whole number from 1 to 1000000000'],
      [
        ['--balance', '0x10'],
        '--balance must be a whole number from 0 to 9007199254740991 (units); got "0x10"',
      ],
      [['--concurrency', ''], '--concurrency must be a whole number from 1 to 1000000000 (slots); got ""'],
      [
        ['--processing-ms', '86400001'],
        '--processing-ms must be a number from 0 to 86400000 (24 hours) (ms of mock clock)',
      ],
      [['--retention-days=-1'], '--retention-days must be a number from 0 to 365000 (1,000 years); got "-1"'],
      [['--retention-ms', 'Infinity'], '--retention-ms must be a number from 0 to'],
      [
        ['--retention-ms', '1', '--retention-days', '1'],
        '--retention-ms and --retention-days both set the retention',
      ],
      [
        ['--max-body-bytes', '2147483648'],
        '--max-body-bytes must be a whole number from 1 to 1073741824 (1 GiB)',
      ],
      [
        ['--headers-timeout-ms', '0'],
        '--headers-timeout-ms must be a whole number from 1 to 2147483647; got "0"',
      ],
      [
        ['--headers-timeout-ms', '5000', '--request-timeout-ms', '1000'],
        '--headers-timeout-ms (5000) must not exceed --request-timeout-ms (1000)',
      ],
      [
        ['--server-error-rate', '0.6', '--drop-rate', '0.6'],
        '--server-error-rate + --rate-limit-rate + --drop-rate must not exceed 1; got 1.2',
      ],
      [['--public-url', 'ftp://kling.example'], '--public-url must be an http(s) URL'],
      [
        ['--public-url', 'https://kling.example/?a='],
        '--public-url must be an http(s) URL with no user name, password, query or fragment',
      ],
      [['--port', '70000'], '--port must be a whole number from 0 to 65535; got "70000"'],
      [['--max-tasks', '0'], '--max-tasks must be a whole number from 1 to'],
      [['--latency'], "Unknown option '--latency'"],
    ];
    const results: Awaited<ReturnType<typeof run>>[] = [];
    // Two at a time: each is a node process importing the whole mock.
    for (let i = 0; i < cases.length; i += 2)
      results.push(...(await Promise.all(cases.slice(i, i + 2).map(([args]) => run(args)))));
    cases.forEach(([args, says], i) => {
      const { code, stdout, stderr } = results[i] as (typeof results)[number];
      expect({ args, code, stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(stderr.startsWith('kling-mock: '), stderr).toBe(true);
      expect(stderr.endsWith(' (kling-mock --help lists the flags)\n'), stderr).toBe(true);
      expect(stderr.split('\n'), stderr).toHaveLength(2);
      expect(stderr).toContain(says);
    });
  });

  it('prints its version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('says in one line, with exit 1, that the port is busy or the seed file is refused', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const busy = await run(['--port', String(port)]);
      expect(busy).toEqual({
        code: 1,
        stdout: '',
        stderr: `kling-mock: cannot listen on 127.0.0.1:${port}: the port is already in use; choose another with --port (--port 0 takes a free one)\n`,
      });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }

    const bad = join(dir(), 'bad-seed.json');
    await writeFile(
      bad,
      JSON.stringify({ tasks: [{ request: { prompt: 'ok' } }, { request: { prompt: 'x', n: 12 } }] }),
    );
    const refused = await run(['--port', '0', '--seed', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `kling-mock: --seed ${JSON.stringify(bad)} is refused: tasks[1].request.n: Invalid parameter n: must be from 1 to 9; got 12\n`,
    );
    const array = join(dir(), 'array-seed.json');
    await writeFile(array, '[]');
    for (const [file, says] of [
      [array, 'must hold {"tasks": [...]}, as POST /__mock/seed takes; got an array'],
      [join(dir(), 'missing.json'), 'cannot be read: ENOENT'],
    ] as const) {
      const result = await run(['--port', '0', '--seed', file]);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(result.stderr).toContain(says);
    }
  });
});

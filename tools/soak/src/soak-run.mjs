// Load and soak run of the mock server: the `kling-mock` CLI in its own process, a realistic mix of
// requests from autocannon over loopback, its memory and bounds sampled every second, then SIGTERM with
// requests in flight. Used by the long script (soak.mjs) and the short CI variant (test/soak.test.ts).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createKlingClient } from '@klingkit/client';
import autocannon from 'autocannon';

/**
 * @typedef {object} SoakOptions
 * @property {number} requests Requests in the load phase.
 * @property {number} [connections] Concurrent connections. Default 50.
 * @property {number} [maxTasks] The mock's task store bound, small so eviction happens early. Default 20 000.
 * @property {number} [warmupShare] Share of the requests after which memory must stop growing. Default 0.2.
 * @property {(line: string) => void} [log] Progress lines; default none.
 */

/**
 * @typedef {object} SoakSummary
 * @property {number} requests
 * @property {number} seconds
 * @property {number} requestsPerSecond
 * @property {Record<string, number>} statuses Answers by HTTP status.
 * @property {number} unexpectedStatuses Answers other than 200, 400 and 404 (the mix asks for those only).
 * @property {number} protocolErrors Socket errors, timeouts and unparsable answers seen by autocannon.
 * @property {{ afterWarmupMb: number, endMb: number, maxMb: number, growth: number }} rss Medians of the first and
 *   last fifth of the samples after warm-up, so one garbage-collection peak is not taken for growth.
 * @property {{ tasks: number, tasksLimit: number, images: number, imagesLimit: number, callbacks: number, callbacksLimit: number }} peakStats
 * @property {{ inFlight: number, answered: number, exitCode: number | null, stopMs: number }} shutdown
 */

const require = createRequire(import.meta.url);
const mockBin = join(dirname(require.resolve('@klingkit/mock-server/package.json')), 'bin/kling-mock.js');
const EXPECTED_STATUSES = new Set(['200', '400', '404']);
const RING_SIZE = 256;

/** @param {SoakOptions} options @returns {Promise<SoakSummary>} */
export async function runSoak(options) {
  const { requests, connections = 50, maxTasks = 20_000, warmupShare = 0.2, log = () => {} } = options;
  const mock = await startMock(maxTasks);
  try {
    const token = await createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      tokenTtlSeconds: 24 * 3600,
    }).tokens.getToken();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    /** @type {{ done: number, rssMb: number, stats: import('@klingkit/mock-server').MockStats }[]} */
    const samples = [];
    let done = 0;
    const sample = async () => {
      const stats = /** @type {import('@klingkit/mock-server').MockStats} */ (
        await (await fetch(`${mock.url}/__mock/stats`)).json()
      );
      samples.push({ done, rssMb: await rssMb(mock.pid), stats });
    };
    await sample();
    const started = performance.now();
    /** @type {autocannon.Result} */
    const result = await new Promise((resolve, reject) => {
      const instance = autocannon(
        { url: mock.url, connections, amount: requests, timeout: 10, requests: requestMix(headers) },
        (error, finished) => {
          clearInterval(sampler);
          if (error) reject(error);
          else resolve(finished);
        },
      );
      instance.on('response', () => {
        done++;
      });
      const sampler = setInterval(() => {
        sample().then(
          () => log(`${done.toLocaleString('en')} requests, RSS ${samples.at(-1)?.rssMb.toFixed(0)} MB`),
          reject,
        );
      }, 1000);
    });
    const seconds = (performance.now() - started) / 1000;
    done = requests;
    await sample();

    const statuses = Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, { count = 0 }]) => [status, count]),
    );
    const afterWarmup = samples.filter((s) => s.done >= requests * warmupShare).map((s) => s.rssMb);
    const fifth = Math.max(1, Math.floor(afterWarmup.length / 5));
    const afterWarmupMb = median(afterWarmup.slice(0, fifth));
    const endMb = median(afterWarmup.slice(-fifth));
    const peak = (/** @type {(s: (typeof samples)[number]) => number} */ pick) =>
      Math.max(...samples.map(pick));
    const last = /** @type {(typeof samples)[number]} */ (samples.at(-1));
    return {
      requests,
      seconds,
      requestsPerSecond: Math.round(requests / seconds),
      statuses,
      unexpectedStatuses: Object.entries(statuses)
        .filter(([status]) => !EXPECTED_STATUSES.has(status))
        .reduce((sum, [, count]) => sum + count, 0),
      protocolErrors: result.errors + result.timeouts + (result.mismatches ?? 0),
      rss: {
        afterWarmupMb,
        endMb,
        maxMb: Math.max(...afterWarmup),
        growth: (endMb - afterWarmupMb) / afterWarmupMb,
      },
      peakStats: {
        tasks: peak((s) => s.stats.tasks.stored),
        tasksLimit: last.stats.tasks.limit,
        images: peak((s) => s.stats.imageCache.entries),
        imagesLimit: last.stats.imageCache.limit,
        callbacks: peak((s) => s.stats.callbacks.recorded),
        callbacksLimit: last.stats.callbacks.limit,
      },
      shutdown: await stopUnderLoad(mock, headers),
    };
  } finally {
    mock.child.kill('SIGKILL');
  }
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** @typedef {autocannon.Request} Req */

/**
 * The mix, cycled by every connection: creates of both families (valid, invalid, unreadable), queries by
 * task id and by external id of tasks made earlier, an unknown id, a list page, and result images.
 * @param {Record<string, string>} headers
 * @returns {Req[]}
 */
function requestMix(headers) {
  /** @type {string[]} */
  const taskIds = [];
  /** @type {string[]} */
  const externalIds = [];
  /** @type {string[]} */
  const imagePaths = [];
  let serial = 0;
  const remember = (/** @type {string[]} */ ring, /** @type {string} */ value) => {
    ring.push(value);
    if (ring.length > RING_SIZE) ring.shift();
  };
  const pick = (/** @type {string[]} */ ring) => ring[Math.floor(Math.random() * ring.length)];
  const ratios = ['1:1', '16:9', '9:16', '4:3', '3:2'];

  /** @returns {Req} */
  const create = (/** @type {'generations' | 'omni-image'} */ family) => ({
    method: 'POST',
    path: `/v1/images/${family}`,
    headers,
    setupRequest: (request) => {
      const n = ++serial;
      const externalTaskId = `soak-${process.pid}-${n}`;
      return {
        ...request,
        body: JSON.stringify({
          prompt: `soak ${n}: a lighthouse at dusk, ${n % 7} boats`,
          aspect_ratio: ratios[n % ratios.length],
          n: 1 + (n % 2),
          external_task_id: externalTaskId,
        }),
      };
    },
    onResponse: (status, body) => {
      if (status !== 200) return;
      const { data } = JSON.parse(body);
      remember(taskIds, `${family}/${data.task_id}`);
      remember(externalIds, `${family}/${data.task_info.external_task_id}`);
    },
  });
  /** @type {Req} */
  const query = {
    method: 'GET',
    headers,
    setupRequest: (request) => ({
      ...request,
      path: `/v1/images/${pick(taskIds) ?? 'generations/1'}`,
    }),
    onResponse: (status, body) => {
      if (status !== 200) return;
      const url = JSON.parse(body).data?.task_result?.images?.[0]?.url;
      if (url) remember(imagePaths, new URL(url).pathname);
    },
  };
  /** @type {Req} */
  const byExternalId = {
    method: 'GET',
    headers,
    setupRequest: (request) => {
      const [family, id] = (pick(externalIds) ?? 'generations/none').split('/');
      return { ...request, path: `/v1/images/${family}?external_task_id=${id}` };
    },
  };
  return [
    create('generations'),
    query,
    query,
    create('generations'),
    query,
    byExternalId,
    { method: 'GET', path: '/v1/images/generations?pageNum=1&pageSize=30', headers },
    create('omni-image'),
    query,
    query,
    { method: 'POST', path: '/v1/images/generations', headers, body: JSON.stringify({ prompt: 'x', n: 99 }) },
    query,
    create('generations'),
    byExternalId,
    { method: 'POST', path: '/v1/images/omni-image', headers, body: '{"prompt": "unterminated' },
    query,
    { method: 'GET', path: '/v1/images/generations/999999999999999999', headers },
    create('omni-image'),
    query,
    {
      method: 'GET',
      headers,
      setupRequest: (request) => ({ ...request, path: pick(imagePaths) ?? '/v1/images/generations/1' }),
    },
  ];
}

/** @param {number} maxTasks */
async function startMock(maxTasks) {
  const child = spawn(
    process.execPath,
    [mockBin, '--port', '0', '--concurrency', '1000000', '--max-tasks', String(maxTasks)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`kling-mock exited with ${code}: ${output}`)));
  });
  return { child, url: /** @type {string} */ (url), pid: /** @type {number} */ (child.pid) };
}

/** Resident memory of a process in MB, from /proc (Linux) or `ps` (elsewhere). @param {number} pid */
async function rssMb(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    if (kb > 0) return kb / 1024;
  } catch {}
  const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)]);
  let out = '';
  ps.stdout.on('data', (chunk) => {
    out += chunk;
  });
  await new Promise((resolve) => ps.once('close', resolve));
  return Number(out.trim()) / 1024;
}

/**
 * Graceful shutdown: 50 requests held in flight by added latency when SIGTERM arrives must all be answered,
 * and the process must exit 0.
 * @param {{ child: import('node:child_process').ChildProcess, url: string }} mock
 * @param {Record<string, string>} headers
 */
async function stopUnderLoad(mock, headers) {
  const configured = await fetch(`${mock.url}/__mock/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ faults: { latencyMs: 300 } }),
  });
  if (!configured.ok)
    throw new Error(`POST /__mock/config answered ${configured.status}: ${await configured.text()}`);
  const inFlight = Array.from({ length: 50 }, () =>
    fetch(`${mock.url}/v1/images/generations?pageNum=1&pageSize=5`, { headers }).then(
      (response) => response.status,
      () => 0,
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const exited = new Promise((resolve) => mock.child.once('exit', (code) => resolve(code)));
  const signalledAt = performance.now();
  mock.child.kill('SIGTERM');
  const answered = (await Promise.all(inFlight)).filter((status) => status === 200).length;
  const exitCode = /** @type {number | null} */ (await exited);
  return {
    inFlight: inFlight.length,
    answered,
    exitCode,
    stopMs: Math.round(performance.now() - signalledAt),
  };
}

/**
 * The verdicts of a run, each with what was measured.
 * @param {SoakSummary} summary
 * @param {{ checkMemory: boolean }} options Memory growth means something only in a long run.
 */
export function verdicts(summary, { checkMemory }) {
  const { rss, peakStats: peak, shutdown } = summary;
  return [
    {
      check: 'no 5xx or other unexpected status',
      ok: summary.unexpectedStatuses === 0,
      value: summary.unexpectedStatuses,
    },
    {
      check: 'no protocol errors or timeouts',
      ok: summary.protocolErrors === 0,
      value: summary.protocolErrors,
    },
    ...(checkMemory
      ? [
          {
            check: 'RSS growth after warm-up < 10%',
            ok: rss.growth < 0.1,
            value: `${(rss.growth * 100).toFixed(1)}% (median ${rss.afterWarmupMb.toFixed(0)} -> ${rss.endMb.toFixed(0)} MB, peak ${rss.maxMb.toFixed(0)} MB)`,
          },
        ]
      : []),
    {
      check: 'task store within its bound',
      ok: peak.tasks <= peak.tasksLimit,
      value: `${peak.tasks} / ${peak.tasksLimit}`,
    },
    {
      check: 'image cache within its bound',
      ok: peak.images <= peak.imagesLimit,
      value: `${peak.images} / ${peak.imagesLimit}`,
    },
    {
      check: 'callback log within its bound',
      ok: peak.callbacks <= peak.callbacksLimit,
      value: `${peak.callbacks} / ${peak.callbacksLimit}`,
    },
    {
      check: 'SIGTERM: in-flight requests answered, exit 0',
      ok: shutdown.answered === shutdown.inFlight && shutdown.exitCode === 0,
      value: `${shutdown.answered} / ${shutdown.inFlight} answered, exit ${shutdown.exitCode}, ${shutdown.stopMs} ms`,
    },
  ];
}

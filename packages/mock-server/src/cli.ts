#!/usr/bin/env node
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEMO_ACCOUNT, type KeyPairAccount } from './auth/authenticator.js';
import { CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER, checkedPublicUrl } from './controls/control-access.js';
import {
  CONTROL_LIMITS,
  CONTROL_RANGES,
  checkFields,
  checkNumber,
  describeRange,
  type Range,
} from './controls/control-bounds.js';
import type { AnswerDrift } from './faults/answer-drift.js';
import type { FaultOptions } from './faults/fault-injector.js';
import { TIMING_PROFILES, type TimingProfile, type Timings } from './lifecycle/timings.js';
import type { LimitOptions } from './limits/account-limits.js';
import { createMockServer, type MockServer } from './mock-server.js';
import type { SeedTask } from './seed/seed-tasks.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const usage = `Usage: kling-mock [flags]

Serves the klingkit mock of the Kling image API over HTTP until Ctrl-C (SIGINT) or SIGTERM.

Server       --port N (4010; 0: a free one)  --host HOST (127.0.0.1)  --public-url URL
             --headers-timeout-ms N (10000)  --request-timeout-ms N (60000)  --max-body-bytes N (64 MiB)
Accounts     --account AK:SK ...  --api-key KEY ...
             With neither, the demo account ${DEMO_ACCOUNT.accessKey} / ${DEMO_ACCOUNT.secretKey} exists.
Tasks        --profile fast|realistic (fast)  --processing-after-ms N  --processing-ms N  --per-image-ms N
             --max-tasks N (200000)  --retention-days N (30) or --retention-ms N  --seed FILE
Limits       --concurrency N (20)  --requests-per-second N  --balance N (units per account)
Faults       --latency-ms N  --server-error-rate R  --rate-limit-rate R  --drop-rate R (each 0-1, 1 in all)
             --after-create-share R (0.5)  --fault-seed N (1)  --retry-after-seconds N (1, on 1302/1303)
Journal      --journal-size N (1000 API requests kept for GET /__mock/requests; 0 keeps none)
Callbacks    --callback-host HOST ...  (loopback names only by default)
Replay       --replay PATH (a .cassette.jsonl file or a directory of them; unrecorded requests are simulated)
Testing      --drift JSON  answers that break the spec on purpose, for testing a drift recorder:
             {"addFields": {...}, "stringFields": [...], "dropFields": [...], "statusNames": {...}}
Recording    kling-mock record --target URL [--out DIR] ...  (kling-mock record --help)
Controls     --control-token TOKEN (or ${CONTROL_TOKEN_ENV})  --control-origin ORIGIN ...
             --control-host HOST ...
Other        --help  --version

Every number is checked against the range its control takes (the mock's README lists them). --seed reads
{"tasks": [...]} as POST /__mock/seed takes it (at most 16 MiB). --public-url is the base of result URLs;
without it, URLs follow a request's Forwarded / X-Forwarded-Proto / X-Forwarded-Host, else its Host.
Controls live under /__mock/ (reset, tasks, callbacks, stats, clock, config, fail-next, inject-error,
requests, seed): POSTs send content-type application/json; web pages on other origins are refused.
--control-token makes them need the token in the ${CONTROL_TOKEN_HEADER} header (so does the X-Kling-Mock
request header); without one they are off when --host is not a loopback address. --control-origin allows
a web page's origin, --control-host a Host name besides loopback names and the listen host.
Exit status: 2 for a bad flag, 1 when the mock cannot start (port in use, seed file refused).`;

/** A mistake on the command line: one line saying what and which flag, exit 2. */
function usageError(message: string): never {
  process.stderr.write(`kling-mock: ${oneLine(message)} (kling-mock --help lists the flags)\n`);
  process.exit(2);
}

/** The command line was fine but the mock cannot start: one line, exit 1. */
function startError(message: string): never {
  process.stderr.write(`kling-mock: ${oneLine(message)}\n`);
  process.exit(1);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

// `kling-mock record` is a command of its own: a recording proxy in front of the real API, not a mock.
if (process.argv[2] === 'record')
  await (await import('./record/record-cli.js')).recordCommand(process.argv.slice(3));

let parsed: ReturnType<typeof parse>;
function parse() {
  const number = { type: 'string' } as const;
  return parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      'public-url': { type: 'string' },
      'headers-timeout-ms': number,
      'request-timeout-ms': number,
      'max-body-bytes': number,
      account: { type: 'string', multiple: true, default: [] },
      'api-key': { type: 'string', multiple: true, default: [] },
      profile: { type: 'string', default: 'fast' },
      'processing-after-ms': number,
      'processing-ms': number,
      'per-image-ms': number,
      'max-tasks': number,
      'retention-ms': number,
      'retention-days': number,
      seed: { type: 'string' },
      concurrency: number,
      'requests-per-second': number,
      balance: number,
      'latency-ms': number,
      'server-error-rate': number,
      'rate-limit-rate': number,
      'drop-rate': number,
      'after-create-share': number,
      'fault-seed': number,
      'retry-after-seconds': number,
      'journal-size': number,
      'callback-host': { type: 'string', multiple: true, default: [] },
      replay: { type: 'string' },
      drift: { type: 'string' },
      'control-token': { type: 'string' },
      'control-origin': { type: 'string', multiple: true, default: [] },
      'control-host': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  usageError((error as Error).message);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (values.version) {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${(manifest as { version: string }).version}\n`);
  process.exit(0);
}

type NumberFlag = {
  [K in keyof typeof values]-?: (typeof values)[K] extends string | undefined ? K : never;
}[keyof typeof values];

/** A decimal number as people write them (`5`, `0.25`, `1e3`); `Number` alone would take `0x10` and an empty string. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The flag's value checked against `range` (the same one its control uses), or undefined when not given. */
function numberFlag(flag: NumberFlag, range: Range, unit = ''): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  try {
    return checkNumber(`--${flag}`, DECIMAL.test(raw.trim()) ? Number(raw) : Number.NaN, range);
  } catch {
    return usageError(`--${flag} must be ${describeRange(range)}${unit}; got ${JSON.stringify(raw)}`);
  }
}

const port = numberFlag('port', { min: 0, max: 65535, whole: true });
if (!(values.profile in TIMING_PROFILES))
  usageError(`--profile must be fast or realistic; got ${JSON.stringify(values.profile)}`);
const accounts: KeyPairAccount[] = values.account.map((pair) => {
  const at = pair.indexOf(':');
  if (at <= 0 || at === pair.length - 1)
    usageError(`--account must be ACCESS_KEY:SECRET_KEY; got ${JSON.stringify(pair)}`);
  return { accessKey: pair.slice(0, at), secretKey: pair.slice(at + 1) };
});

const timings: Partial<Timings> = {};
for (const [flag, key] of [
  ['processing-after-ms', 'processingAfterMs'],
  ['processing-ms', 'processingMs'],
  ['per-image-ms', 'perImageMs'],
] as const) {
  const value = numberFlag(flag, CONTROL_RANGES.timingMs, ' (ms of mock clock)');
  if (value !== undefined) timings[key] = value;
}

const limits: LimitOptions = {};
const concurrency = numberFlag('concurrency', CONTROL_RANGES.concurrency, ' (slots)');
if (concurrency !== undefined) limits.concurrency = concurrency;
const requestsPerSecond = numberFlag('requests-per-second', CONTROL_RANGES.requestsPerSecond);
if (requestsPerSecond !== undefined) limits.requestsPerSecond = requestsPerSecond;
const balance = numberFlag('balance', CONTROL_RANGES.balance, ' (units)');
if (balance !== undefined) limits.balance = balance;

const faults: FaultOptions = {};
for (const [flag, key, range] of [
  ['latency-ms', 'latencyMs', CONTROL_RANGES.latencyMs],
  ['server-error-rate', 'serverErrorRate', CONTROL_RANGES.share],
  ['rate-limit-rate', 'rateLimitRate', CONTROL_RANGES.share],
  ['drop-rate', 'dropRate', CONTROL_RANGES.share],
  ['after-create-share', 'afterCreateShare', CONTROL_RANGES.share],
  ['fault-seed', 'seed', CONTROL_RANGES.seed],
  ['retry-after-seconds', 'retryAfterSeconds', CONTROL_RANGES.retryAfterSeconds],
] as const) {
  const value = numberFlag(flag, range);
  if (value !== undefined) faults[key] = value;
}
const faultShare = (faults.serverErrorRate ?? 0) + (faults.rateLimitRate ?? 0) + (faults.dropRate ?? 0);
if (faultShare > 1)
  usageError(
    `--server-error-rate + --rate-limit-rate + --drop-rate must not exceed 1; got ${Number(faultShare.toFixed(6))}`,
  );

if (values['retention-ms'] !== undefined && values['retention-days'] !== undefined)
  usageError('--retention-ms and --retention-days both set the retention; give one of them');
const retentionDays = numberFlag('retention-days', {
  ...CONTROL_RANGES.retentionMs,
  max: CONTROL_RANGES.retentionMs.max / DAY_MS,
});
const retentionMs =
  retentionDays === undefined
    ? numberFlag('retention-ms', CONTROL_RANGES.retentionMs)
    : retentionDays * DAY_MS;
const maxTasks = numberFlag('max-tasks', { min: 1, max: Number.MAX_SAFE_INTEGER, whole: true }, ' (tasks)');
const maxBodyBytes = numberFlag('max-body-bytes', CONTROL_RANGES.maxBodyBytes);
const journalSize = numberFlag('journal-size', CONTROL_RANGES.journalSize, ' (requests)');
const headersTimeoutMs = numberFlag('headers-timeout-ms', CONTROL_RANGES.listenTimeoutMs);
const requestTimeoutMs = numberFlag('request-timeout-ms', CONTROL_RANGES.listenTimeoutMs);
if ((headersTimeoutMs ?? 10_000) > (requestTimeoutMs ?? 60_000))
  usageError(
    `--headers-timeout-ms (${headersTimeoutMs ?? 10_000}) must not exceed --request-timeout-ms (${requestTimeoutMs ?? 60_000}): the headers are part of the request`,
  );

const publicUrl = values['public-url'];
if (publicUrl !== undefined) {
  try {
    checkedPublicUrl(publicUrl);
  } catch {
    usageError(
      `--public-url must be an http(s) URL with no user name, password, query or fragment (a path prefix is fine), e.g. https://mock.example.com; got ${JSON.stringify(publicUrl.slice(0, 200))}`,
    );
  }
}

const seedTasks = values.seed === undefined ? undefined : readSeedFile(values.seed);

/** The `tasks` of a seed file, read and parsed before the mock starts; checked by `mock.seed` itself. */
function readSeedFile(path: string): unknown {
  const named = `--seed ${JSON.stringify(path)}`;
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > CONTROL_LIMITS.seedBodyBytes)
      startError(
        `${named} is ${size} bytes; a seed may be at most ${CONTROL_LIMITS.seedBodyBytes} bytes (16 MiB), as POST /__mock/seed takes`,
      );
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return startError(`${named} cannot be read: ${(error as Error).message}`);
  }
  try {
    const content: unknown = JSON.parse(text);
    if (Array.isArray(content))
      startError(`${named} must hold {"tasks": [...]}, as POST /__mock/seed takes; got an array`);
    const { tasks } = checkFields('the seed file', content, ['tasks']);
    if (tasks === undefined) startError(`${named} must hold {"tasks": [...]}, as POST /__mock/seed takes`);
    return tasks;
  } catch (error) {
    return startError(`${named} is refused: ${(error as Error).message}`);
  }
}

let drift: unknown;
if (values.drift !== undefined) {
  try {
    drift = JSON.parse(values.drift);
  } catch {
    usageError(
      `--drift must be a JSON object such as {"addFields": {"queue_position": 3}}; got ${JSON.stringify(values.drift.slice(0, 200))}`,
    );
  }
}

const useDemo = accounts.length === 0 && values['api-key'].length === 0;
const controlToken = values['control-token'] ?? (process.env[CONTROL_TOKEN_ENV] || undefined);
let mock: MockServer;
try {
  mock = createMockServer({
    ...(accounts.length > 0 && { accounts }),
    apiKeys: values['api-key'],
    profile: values.profile as TimingProfile,
    timings,
    limits,
    faults,
    ...(maxTasks !== undefined && { maxTasks }),
    ...(maxBodyBytes !== undefined && { maxBodyBytes }),
    ...(journalSize !== undefined && { journalSize }),
    ...(retentionMs !== undefined && { retentionMs }),
    ...(publicUrl !== undefined && { publicUrl }),
    ...(values['callback-host'].length > 0 && { callbacks: { allowedHosts: values['callback-host'] } }),
    controlToken,
    controlOrigins: values['control-origin'],
    controlHosts: values['control-host'],
    ...(values.replay !== undefined && { replay: values.replay }),
    ...(drift !== undefined && { drift: drift as AnswerDrift }),
  });
} catch (error) {
  const message = (error as Error).message;
  // A cassette that cannot be read is like a refused seed file: the flag was fine, the file is not.
  if (message.startsWith('replay:')) startError(`--${message}`);
  usageError(message.startsWith('drift') ? `--${message}` : message);
}
const host = values.host;
const url = await mock
  .listen({
    port,
    host,
    ...(headersTimeoutMs !== undefined && { headersTimeoutMs }),
    ...(requestTimeoutMs !== undefined && { requestTimeoutMs }),
  })
  .catch((error: NodeJS.ErrnoException) => {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (error.code === 'EADDRINUSE')
      startError(
        `cannot listen on ${where}: the port is already in use; choose another with --port (--port 0 takes a free one)`,
      );
    return startError(`cannot listen on ${where}: ${error.message}`);
  });
if (seedTasks !== undefined) {
  // Seeded once listening, so the tasks know the mock's own origin, and before the URL is printed, which is
  // what scripts wait for.
  try {
    await mock.seed(seedTasks as SeedTask[]);
  } catch (error) {
    await mock.close();
    startError(`--seed ${JSON.stringify(values.seed)} is refused: ${(error as Error).message}`);
  }
}
process.stdout.write(`Kling mock server listening on ${url}\n`);
if (useDemo)
  process.stdout.write(
    `Demo account: access key ${DEMO_ACCOUNT.accessKey}, secret key ${DEMO_ACCOUNT.secretKey}\n`,
  );
else
  process.stdout.write(`Accounts: ${accounts.length} key pair(s), ${values['api-key'].length} API key(s)\n`);
if (seedTasks !== undefined) process.stdout.write(`Seeded ${(seedTasks as unknown[]).length} task(s)\n`);
if (values.replay !== undefined) process.stdout.write(`Replaying ${values.replay}\n`);
if (drift !== undefined) process.stdout.write('Drift on: answers break the spec on purpose (--drift)\n');
process.stdout.write(`${mock.controlStatus().message}\n`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`${signal}: finishing in-flight requests and stopping.\n`);
  await mock.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

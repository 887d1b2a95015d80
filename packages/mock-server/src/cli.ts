#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DEMO_ACCOUNT, type KeyPairAccount } from './auth/authenticator.js';
import { CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER } from './controls/control-access.js';
import { CONTROL_RANGES, checkNumber, describeRange } from './controls/control-bounds.js';
import { TIMING_PROFILES, type TimingProfile } from './lifecycle/timings.js';
import { createMockServer } from './mock-server.js';

const usage = `Usage: kling-mock [--port 4010] [--host 127.0.0.1] [--account AK:SK]... [--api-key KEY]...
                  [--concurrency N] [--max-tasks N] [--profile fast|realistic] [--callback-host HOST]...
                  [--control-token TOKEN] [--control-origin ORIGIN]... [--control-host HOST]...

Serves the klingkit mock of the Kling image API over HTTP until Ctrl-C (SIGINT) or SIGTERM.
With no --account and no --api-key, the demo account ${DEMO_ACCOUNT.accessKey} / ${DEMO_ACCOUNT.secretKey} exists.
Controls live under /__mock/ (reset, tasks, callbacks, stats, clock, config, fail-next, inject-error): POSTs
send content-type application/json; web pages on other origins are refused. --control-token (or
${CONTROL_TOKEN_ENV}) makes them need the token in the ${CONTROL_TOKEN_HEADER} header; without one they are
off when --host is not a loopback address. --control-origin allows a web page's origin, --control-host a
Host name besides loopback names and the listen host.`;

function fail(message: string): never {
  process.stderr.write(`kling-mock: ${message}\n\n${usage}\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      account: { type: 'string', multiple: true, default: [] },
      'api-key': { type: 'string', multiple: true, default: [] },
      concurrency: { type: 'string' },
      'max-tasks': { type: 'string' },
      profile: { type: 'string', default: 'fast' },
      'callback-host': { type: 'string', multiple: true, default: [] },
      'control-token': { type: 'string' },
      'control-origin': { type: 'string', multiple: true, default: [] },
      'control-host': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  fail((error as Error).message);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const port = Number(values.port);
if (!/^\d+$/.test(values.port) || port > 65535)
  fail(`--port must be a number from 0 to 65535; got ${JSON.stringify(values.port)}`);
if (!(values.profile in TIMING_PROFILES))
  fail(`--profile must be fast or realistic; got ${JSON.stringify(values.profile)}`);
const accounts: KeyPairAccount[] = values.account.map((pair) => {
  const at = pair.indexOf(':');
  if (at <= 0 || at === pair.length - 1)
    fail(`--account must be ACCESS_KEY:SECRET_KEY; got ${JSON.stringify(pair)}`);
  return { accessKey: pair.slice(0, at), secretKey: pair.slice(at + 1) };
});
let concurrency: number | undefined;
if (values.concurrency !== undefined) {
  try {
    concurrency = checkNumber('--concurrency', Number(values.concurrency), CONTROL_RANGES.concurrency);
  } catch {
    fail(
      `--concurrency must be ${describeRange(CONTROL_RANGES.concurrency)} (slots); got ${JSON.stringify(values.concurrency)}`,
    );
  }
}

const maxTasks = values['max-tasks'] === undefined ? undefined : Number(values['max-tasks']);
if (maxTasks !== undefined && (!Number.isInteger(maxTasks) || maxTasks < 1)) {
  fail(`--max-tasks must be a whole number of tasks >= 1; got ${JSON.stringify(values['max-tasks'])}`);
}

const useDemo = accounts.length === 0 && values['api-key'].length === 0;
const controlToken = values['control-token'] ?? (process.env[CONTROL_TOKEN_ENV] || undefined);
let mock: ReturnType<typeof createMockServer>;
try {
  mock = createMockServer({
    ...(accounts.length > 0 && { accounts }),
    apiKeys: values['api-key'],
    profile: values.profile as TimingProfile,
    ...(concurrency !== undefined && { limits: { concurrency } }),
    ...(maxTasks !== undefined && { maxTasks }),
    ...(values['callback-host'].length > 0 && { callbacks: { allowedHosts: values['callback-host'] } }),
    controlToken,
    controlOrigins: values['control-origin'],
    controlHosts: values['control-host'],
  });
} catch (error) {
  fail((error as Error).message);
}
const url = await mock
  .listen({ port, host: values.host })
  .catch((error: Error) => fail(`cannot listen: ${error.message}`));
process.stdout.write(`Kling mock server listening on ${url}\n`);
if (useDemo)
  process.stdout.write(
    `Demo account: access key ${DEMO_ACCOUNT.accessKey}, secret key ${DEMO_ACCOUNT.secretKey}\n`,
  );
else
  process.stdout.write(`Accounts: ${accounts.length} key pair(s), ${values['api-key'].length} API key(s)\n`);
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

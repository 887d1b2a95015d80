import { parseArgs } from 'node:util';
import { isLoopbackHost } from '../controls/control-access.js';
import { CONTROL_RANGES, checkNumber, describeRange, type Range } from '../controls/control-bounds.js';
import { checkedTarget, createRecorder, type Recorder } from './recorder.js';

const usage = `Usage: kling-mock record --target URL [flags]

Records real traffic: a proxy that forwards every /v1/ request to --target with the credentials your app
sends (to the target only), checks each request and answer strictly against the spec, and writes a cassette
(credentials and tokens removed, Base64 images shortened) and a drift report, until Ctrl-C or SIGTERM.
Point your app or kling-images at the URL it prints.

  --target URL           the API, e.g. https://api-singapore.klingai.com (http or https; required)
  --out DIR              where the cassette and the report go (./kling-recording); never overwrites a run
  --name NAME            the cassette's name: NAME.cassette.jsonl (recording)
  --port N (4011; 0: a free one)  --host HOST (127.0.0.1)
  --max-body-bytes N     largest request and answer body (64 MiB)
  --timeout-ms N         how long the target has for one answer (120000)

Writes DIR/NAME.cassette.jsonl, DIR/drift.jsonl and DIR/drift.md. Replay with kling-mock --replay DIR.
Exit status: 2 for a bad flag, 1 when recording cannot start.`;

function usageError(message: string): never {
  process.stderr.write(
    `kling-mock record: ${message.replace(/\s*[\r\n]+\s*/g, ' ')} (kling-mock record --help lists the flags)\n`,
  );
  process.exit(2);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `kling-mock record ...`: runs until a signal, then writes the report and exits; never returns. */
export async function recordCommand(args: string[]): Promise<never> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        target: { type: 'string' },
        out: { type: 'string', default: 'kling-recording' },
        name: { type: 'string', default: 'recording' },
        port: { type: 'string', default: '4011' },
        host: { type: 'string', default: '127.0.0.1' },
        'max-body-bytes': { type: 'string' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const number = (flag: string, range: Range): number | undefined => {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) return undefined;
    try {
      return checkNumber(`--${flag}`, DECIMAL.test(raw.trim()) ? Number(raw) : Number.NaN, range);
    } catch {
      return usageError(`--${flag} must be ${describeRange(range)}; got ${JSON.stringify(raw)}`);
    }
  };
  if (values.target === undefined) usageError('--target is required: the base URL of the API to record');
  try {
    checkedTarget(values.target as string);
  } catch (error) {
    usageError(`--${(error as Error).message}`);
  }
  const port = number('port', { min: 0, max: 65535, whole: true });
  const maxBodyBytes = number('max-body-bytes', CONTROL_RANGES.maxBodyBytes);
  const timeoutMs = number('timeout-ms', CONTROL_RANGES.listenTimeoutMs);
  let recorder: Recorder;
  try {
    recorder = createRecorder({
      target: values.target as string,
      out: values.out as string,
      name: values.name as string,
      ...(maxBodyBytes !== undefined && { maxBodyBytes }),
      ...(timeoutMs !== undefined && { timeoutMs }),
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const host = values.host as string;
  let url: string;
  try {
    url = await recorder.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      `kling-mock record: ${
        code === 'EADDRINUSE'
          ? `cannot listen on ${host}:${port}: the port is already in use; choose another with --port (--port 0 takes a free one)`
          : (error as Error).message
      }\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`Recording ${checkedTarget(values.target as string).origin} through ${url}\n`);
  if (!isLoopbackHost(host))
    process.stdout.write(
      `Warning: ${host} is not a loopback address; anyone who reaches it can send requests (with their own credentials) through this recorder and into its cassette.\n`,
    );
  process.stdout.write(
    `Cassette ${recorder.files.cassette}, report ${recorder.files.report} and ${recorder.files.summary}\n`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: finishing in-flight requests and writing the report.\n`);
    const { run, findings } = await recorder.close();
    const exchanges = Object.values(run.exchanges).reduce((total, { count }) => total + count, 0);
    process.stdout.write(
      `${exchanges} exchange(s) recorded, ${findings.length} drift finding(s); see ${recorder.files.summary}\n`,
    );
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return new Promise<never>(() => {});
}

import { PassThrough } from 'node:stream';
import { run } from '../src/run.js';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  interrupt?: AbortSignal;
  /** Whether stdout and stderr say they are terminals. */
  tty?: boolean;
}

/**
 * Starts the CLI in-process with stdout and stderr captured as text: what it has printed so far is readable
 * while it runs (`out`, `err`), and `exited` resolves with its exit code.
 */
export function startRun(args: string[], { env = {}, interrupt, tty = false }: RunOptions = {}) {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  const printed = { out: '', err: '' };
  stdout.on('data', (chunk) => {
    printed.out += chunk;
  });
  stderr.on('data', (chunk) => {
    printed.err += chunk;
  });
  const exited = run(args, { stdout, stderr, env, interrupt: interrupt ?? new AbortController().signal });
  return {
    exited,
    get out() {
      return printed.out;
    },
    get err() {
      return printed.err;
    },
  };
}

/** Runs the CLI in-process to its end: exit code and everything it printed. */
export async function runCaptured(args: string[], options: RunOptions = {}) {
  const started = startRun(args, options);
  const code = await started.exited;
  return { code, out: started.out, err: started.err };
}

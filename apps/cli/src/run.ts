import { isKlingApiError, KlingError } from '@klingkit/client';
import { generate, generateUsage } from './commands/generate.js';
import { get, getUsage } from './commands/get.js';
import { list, listUsage } from './commands/list.js';
import { mock, mockUsage } from './commands/mock.js';
import { connect } from './connection.js';
import type { CommandIo } from './io.js';
import { printable, safe } from './printable.js';
import { UsageError } from './usage-error.js';

const usage = `Usage: kling-images <command> [options]

Commands:
  generate "<prompt>"   create an image task, wait, and save the images
  get <task-id>         show one task (or --external <id>)
  list                  list tasks, newest first
  mock                  start the mock server over HTTP

With no KLING_ACCESS_KEY/KLING_SECRET_KEY (or KLING_API_KEY) set, commands run against an embedded mock
server: no account, no network. KLING_BASE_URL picks the API host.
Run \`kling-images <command> --help\` for a command's options.`;

const COMMANDS = { generate, get, list } as const;
const USAGES: Record<string, string> = {
  generate: generateUsage,
  get: getUsage,
  list: listUsage,
  mock: mockUsage,
};

/** Runs one command line and returns the exit code: 0 done, 1 the API or task failed, 2 a usage error. */
export async function run(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(`${usage}\n`);
    return command ? 0 : 2;
  }
  try {
    if (command === 'mock') return await mock(args, io);
    if (!(command in COMMANDS))
      throw new UsageError(`Unknown command ${JSON.stringify(command)}; use generate, get, list or mock.`);
    return await COMMANDS[command as keyof typeof COMMANDS](args, io, () => connect(io.env));
  } catch (error) {
    return report(error, io, USAGES[command]);
  }
}

/**
 * Prints what went wrong. Messages quote the server (API messages, request ids, URLs, task ids) and the
 * command line, so every one goes through `printable`.
 */
function report(error: unknown, io: CommandIo, commandUsage: string | undefined): number {
  if (error instanceof UsageError || isParseArgsError(error)) {
    io.stderr.write(`${safe`Error: ${(error as Error).message}`}\n\n${commandUsage ?? usage}\n`);
    return 2;
  }
  // Ctrl-C ends any request with an error of its own; the shell convention for it is 130 (128 + SIGINT).
  if (io.interrupt.aborted) {
    io.stderr.write('\nStopped.\n');
    return 130;
  }
  if (isKlingApiError(error)) {
    io.stderr.write(
      safe`Error ${error.code ?? '-'} (HTTP ${error.httpStatus}, ${error.category}): ${error.apiMessage || error.message}\n` +
        safe`request id: ${error.requestId ?? '-'}\n`,
    );
    return 1;
  }
  io.stderr.write(
    `Error: ${printable(error instanceof KlingError || error instanceof Error ? error.message : error)}\n`,
  );
  return 1;
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}

import { readFileSync } from 'node:fs';
import { isKlingApiError, KlingError } from '@klingkit/client';
import { TIMING_PROFILES } from '@klingkit/mock-server';
import { generate, generateUsage } from './commands/generate.js';
import { get, getUsage } from './commands/get.js';
import { list, listUsage } from './commands/list.js';
import { mock, mockUsage } from './commands/mock.js';
import { type Connection, connect, EARLIER_RUN_NOTE } from './connection.js';
import type { CommandIo } from './io.js';
import { printable, safe } from './printable.js';
import { UsageError } from './usage-error.js';

const PROFILE_NAMES = Object.keys(TIMING_PROFILES).join(' or ');

const usage = `Usage: kling-images <command> [options]

Commands:
  generate "<prompt>"   create an image task, wait, and save the images
  get <task-id>         show one task (or --external <id>)
  list                  list tasks, newest first
  mock                  start the mock server over HTTP

Where requests go:
  KLING_ACCESS_KEY + KLING_SECRET_KEY, or KLING_API_KEY   the real API (or KLING_BASE_URL)
  KLING_BASE_URL alone                                    the mock's demo account at that URL,
                                                          e.g. a \`kling-images mock\` in another shell
  nothing                                                 an embedded mock whose tasks vanish on exit
                                                          (KLING_MOCK_PROFILE: ${PROFILE_NAMES})

Run \`kling-images <command> --help\` for a command's options, \`kling-images --version\` for the version.`;

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
  if (command === '--version') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  try {
    if (command === 'mock') return await mock(args, io);
    if (!(command in COMMANDS))
      throw new UsageError(`Unknown command ${JSON.stringify(command)}; use generate, get, list or mock.`);
    return await COMMANDS[command as keyof typeof COMMANDS](args, io, () => announced(command, io));
  } catch (error) {
    return report(error, io, USAGES[command]);
  }
}

/**
 * Connects (after the command has checked its flags, so a usage error starts no mock) and says on stderr
 * where requests go, for every command and also with --json, whose output is stdout's alone.
 */
function announced(command: string, io: CommandIo): Connection {
  const connection = connect(io.env);
  io.stderr.write(`${printable(connection.description)}\n`);
  if (connection.ephemeral && (command === 'get' || command === 'list'))
    io.stderr.write(`${EARLIER_RUN_NOTE}\n`);
  return connection;
}

/** The CLI's own version, from its package.json (one level above both src/ and dist/). */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
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

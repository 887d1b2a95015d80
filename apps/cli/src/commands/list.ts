import { parseArgs } from 'node:util';
import type { TaskFamily } from '@klingkit/client';
import type { Connection } from '../connection.js';
import type { CommandIo } from '../io.js';
import { printableJson } from '../printable.js';
import { formatTaskLine } from '../task-format.js';
import { UsageError } from '../usage-error.js';

export const listUsage = `Usage: kling-images list [--family generations|omni] [--page N] [--page-size N] [--json]

Lists tasks, newest first, one page at a time (page 1-1000, page size 1-500, default 30).`;

export async function list(args: string[], io: CommandIo, connection: () => Connection): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      family: { type: 'string', default: 'generations' },
      page: { type: 'string', default: '1' },
      'page-size': { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${listUsage}\n`);
    return 0;
  }
  if (values.family !== 'generations' && values.family !== 'omni') {
    throw new UsageError(`--family must be generations or omni; got ${JSON.stringify(values.family)}.`);
  }
  const family: TaskFamily = values.family;
  const page = wholeNumber('page', values.page, 1, 1000);
  const pageSize = wholeNumber('page-size', values['page-size'], 1, 500);
  const conn = connection();
  try {
    const tasks = await conn.client.tasks.list(family, { pageSize, signal: io.interrupt }).page(page);
    if (values.json) io.stdout.write(`${printableJson(tasks, 2)}\n`);
    else if (tasks.length === 0) io.stdout.write(`No ${family} tasks on page ${page}.\n`);
    else for (const task of tasks) io.stdout.write(`${formatTaskLine(task)}\n`);
    return 0;
  } finally {
    await conn.close();
  }
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new UsageError(
      `--${flag} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}

import { parseArgs } from 'node:util';
import type { Connection } from '../connection.js';
import { checkWholeNumber } from '../flags.js';
import type { CommandIo } from '../io.js';
import { printableJson } from '../printable.js';
import { describeRange, FAMILIES, optionLines, queryParameterSchema } from '../spec-rules.js';
import { formatTaskLine } from '../task-format.js';
import { UsageError } from '../usage-error.js';

const PAGE = queryParameterSchema('pageNum');
const PAGE_SIZE = queryParameterSchema('pageSize');

export const listUsage = `Usage: kling-images list [--family ${FAMILIES.join('|')}] [--page N] [--page-size N] [--json]

Lists tasks, newest first, one page at a time. Ranges are the spec's.

Options:
${optionLines([
  ['--family F', `${FAMILIES.join(' or ')} (default: ${FAMILIES[0]})`],
  ['--page N', `page number, ${describeRange(PAGE)}`],
  ['--page-size N', `tasks per page, ${describeRange(PAGE_SIZE)}`],
  ['--json', 'print the page as JSON'],
  ['-h, --help', 'show this help'],
])}`;

export async function list(args: string[], io: CommandIo, connection: () => Connection): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      family: { type: 'string', default: FAMILIES[0] },
      page: { type: 'string' },
      'page-size': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${listUsage}\n`);
    return 0;
  }
  const family = FAMILIES.find((name) => name === values.family);
  if (!family) {
    throw new UsageError(`--family must be ${FAMILIES.join(' or ')}; got ${JSON.stringify(values.family)}.`);
  }
  // Sent even when not given, so the page shown is the one the help text names as the default.
  const page = checkWholeNumber('page', values.page ?? String(PAGE.default), PAGE);
  const pageSize = checkWholeNumber('page-size', values['page-size'] ?? String(PAGE_SIZE.default), PAGE_SIZE);
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

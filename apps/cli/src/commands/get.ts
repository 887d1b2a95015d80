import { parseArgs } from 'node:util';
import type { TaskFamily } from '@klingkit/client';
import type { Connection } from '../connection.js';
import type { CommandIo } from '../io.js';
import { printableJson } from '../printable.js';
import { formatTask } from '../task-format.js';
import { UsageError } from '../usage-error.js';

export const getUsage = `Usage: kling-images get <task-id> [--omni] [--json]
       kling-images get --external <external-task-id> [--omni] [--json]

Shows one task: status, timestamps and result URLs.`;

export async function get(args: string[], io: CommandIo, connection: () => Connection): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      external: { type: 'string' },
      omni: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${getUsage}\n`);
    return 0;
  }
  const [taskId, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`get takes one task id; got ${positionals.length}.`);
  if (Boolean(taskId) === Boolean(values.external)) {
    throw new UsageError('get needs exactly one of <task-id> or --external <external-task-id>.');
  }
  const family: TaskFamily = values.omni ? 'omni' : 'generations';
  const conn = connection();
  try {
    const task = await conn.client.tasks.get(
      family,
      values.external ? { externalTaskId: values.external } : { taskId: taskId as string },
      { signal: io.interrupt },
    );
    io.stdout.write(values.json ? `${printableJson(task, 2)}\n` : `${formatTask(task)}\n`);
    return 0;
  } finally {
    await conn.close();
  }
}

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KlingAbortError, type TaskFamily } from '@klingkit/client';
import { downloadImages } from '@klingkit/client/node';
import type { Connection } from '../connection.js';
import { checkEnum, checkInteger, readImageFlag } from '../flags.js';
import type { CommandIo } from '../io.js';
import { printableJson, safe } from '../printable.js';
import { createProgress } from '../progress.js';
import {
  bounds,
  describeChoices,
  describeField,
  describeRange,
  familyName,
  fieldSchema,
  optionLines,
} from '../spec-rules.js';
import { UsageError } from '../usage-error.js';

export const generateUsage = `Usage: kling-images generate "<prompt>" [options]

Creates an image task, waits for it and saves the images. Choices and ranges are the spec's.

Options:
${optionLines([
  ['--omni', 'use Omni-Image (default: Image Generation)'],
  ['--model M', `model_name; ${describeField('model_name', describeChoices)}`],
  ['--n N', `number of images, ${describeField('n', describeRange)}`],
  [
    '--series N',
    `Omni-Image only: a series of N images, ${bounds(fieldSchema('omni', 'series_amount'))} (instead of --n)`,
  ],
  ['--aspect R', `aspect ratio; ${describeField('aspect_ratio', describeChoices)}`],
  ['--resolution R', `${describeField('resolution', describeChoices)}`],
  [
    '--image PATH|URL',
    'reference image, repeatable for Omni-Image (local PNG/JPEG files are sent as Base64)',
  ],
  ['--element ID', 'element id from the element library, repeatable'],
  ['--negative TEXT', 'Image Generation only: negative prompt (not together with --image)'],
  ['--watermark', 'also generate and save watermarked variants'],
  ['--out DIR', 'where to save images (default: ./out)'],
  ['--timeout SECONDS', 'give up waiting after this long (default: 600)'],
  ['--json', 'print a JSON result instead of text'],
  ['-h, --help', 'show this help'],
])}`;

export async function generate(args: string[], io: CommandIo, connection: () => Connection): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      omni: { type: 'boolean', default: false },
      model: { type: 'string' },
      n: { type: 'string' },
      series: { type: 'string' },
      aspect: { type: 'string' },
      resolution: { type: 'string' },
      image: { type: 'string', multiple: true, default: [] },
      element: { type: 'string', multiple: true, default: [] },
      negative: { type: 'string' },
      watermark: { type: 'boolean', default: false },
      out: { type: 'string', default: 'out' },
      timeout: { type: 'string', default: '600' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${generateUsage}\n`);
    return 0;
  }
  const prompt = positionals.join(' ').trim();
  if (!prompt)
    throw new UsageError('generate needs a prompt, e.g. kling-images generate "a red fox in snow".');
  const family: TaskFamily = values.omni ? 'omni' : 'generations';
  const request = await buildRequest(family, prompt, values);
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new UsageError(
      `--timeout must be a positive number of seconds; got ${JSON.stringify(values.timeout)}.`,
    );
  }

  const conn = connection();
  try {
    const created = await conn.client.tasks.create(family, request as never, { signal: io.interrupt });
    const progress = createProgress(io.stderr);
    progress.update(created);
    let task: Awaited<ReturnType<typeof conn.client.tasks.wait>>;
    try {
      task = await conn.client.tasks.wait(family, created.task_id, {
        timeoutMs: timeoutSeconds * 1000,
        pollIntervalMs: conn.pollIntervalMs,
        signal: io.interrupt,
        onProgress: (update) => progress.update(update),
      });
    } catch (error) {
      if (error instanceof KlingAbortError) {
        io.stderr.write(
          conn.ephemeral
            ? '\nStopped waiting. The task ended with the embedded mock; nothing is left to resume.\n'
            : safe`\nStopped waiting. The task goes on: kling-images get ${created.task_id}${values.omni ? ' --omni' : ''}\n`,
        );
        return 130;
      }
      throw error;
    } finally {
      progress.stop();
    }
    if (task.task_status === 'failed') {
      io.stderr.write(safe`Task ${task.task_id} failed: ${task.task_status_msg || 'no reason given'}\n`);
      if (values.json)
        io.stdout.write(
          `${printableJson({ task_id: task.task_id, task_status: 'failed', task_status_msg: task.task_status_msg })}\n`,
        );
      return 1;
    }
    const dir = resolve(values.out);
    let saved: Awaited<ReturnType<typeof downloadImages>>;
    try {
      // downloadImages writes each file as `.part` and removes it when the signal aborts the download.
      saved = await downloadImages(task, dir, {
        watermark: values.watermark,
        fetch: conn.fetch,
        signal: io.interrupt,
      });
    } catch (error) {
      // Whatever error the abort surfaced as (the fetch, the stream), Ctrl-C is what happened.
      if (io.interrupt.aborted) {
        io.stderr.write(
          conn.ephemeral
            ? '\nStopped downloading; the unfinished file was removed. The task ended with the embedded mock.\n'
            : safe`\nStopped downloading; the unfinished file was removed. The task's images: kling-images get ${task.task_id}${values.omni ? ' --omni' : ''}\n`,
        );
        return 130;
      }
      throw error;
    }
    if (values.json) {
      io.stdout.write(
        `${printableJson({ task_id: task.task_id, task_status: task.task_status, family, images: saved }, 2)}\n`,
      );
    } else {
      io.stdout.write(
        safe`Task ${task.task_id} succeeded (${familyName(family)}); saved ${saved.length} file(s):\n`,
      );
      // The file names derive from the task id the server sent.
      for (const file of saved) io.stdout.write(safe`  ${file.path}\n`);
    }
    return 0;
  } finally {
    await conn.close();
  }
}

type GenerateFlags = {
  model?: string | undefined;
  n?: string | undefined;
  series?: string | undefined;
  aspect?: string | undefined;
  resolution?: string | undefined;
  image: string[];
  element: string[];
  negative?: string | undefined;
  watermark: boolean;
};

/** Turns flags into a request body, checking each against the spec's field schema before anything is sent. */
async function buildRequest(
  family: TaskFamily,
  prompt: string,
  flags: GenerateFlags,
): Promise<Record<string, unknown>> {
  const omni = family === 'omni';
  if (flags.series !== undefined && !omni)
    throw new UsageError('--series needs --omni (series results are an Omni-Image feature).');
  if (flags.series !== undefined && flags.n !== undefined)
    throw new UsageError('--n and --series exclude each other; pick one.');
  if (flags.negative !== undefined && omni) throw new UsageError('--negative is not available with --omni.');
  if (!omni && flags.image.length > 1)
    throw new UsageError('Image Generation takes one --image; use --omni for several.');
  const elements = flags.element.map((id) => {
    if (!/^\d+$/.test(id))
      throw new UsageError(`--element must be a numeric element id; got ${JSON.stringify(id)}.`);
    return { element_id: Number(id) };
  });
  const images = await Promise.all(flags.image.map(readImageFlag));
  const request: Record<string, unknown> = {
    prompt,
    model_name: checkEnum(family, 'model', 'model_name', flags.model),
    n: checkInteger(family, 'n', 'n', flags.n),
    aspect_ratio: checkEnum(family, 'aspect', 'aspect_ratio', flags.aspect),
    resolution: checkEnum(family, 'resolution', 'resolution', flags.resolution),
    negative_prompt: flags.negative,
    ...(flags.watermark && { watermark_info: { enabled: true } }),
    ...(elements.length > 0 && { element_list: elements }),
  };
  if (omni) {
    if (flags.series !== undefined) {
      request.result_type = 'series';
      request.series_amount = checkInteger(family, 'series', 'series_amount', flags.series);
    }
    if (images.length > 0) request.image_list = images.map((image) => ({ image }));
  } else if (images[0]) {
    request.image = images[0];
  }
  return Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
}

import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { KlingConnectionError } from '../core/errors.js';

interface DownloadableImage {
  index?: number;
  url?: string;
  watermark_url?: string;
}

interface DownloadableTask {
  task_id: string;
  task_result?: { images?: DownloadableImage[]; series_images?: DownloadableImage[] };
}

export interface DownloadOptions {
  /** Also save each `watermark_url` variant, as `<name>-watermark.<ext>`. Default false. */
  watermark?: boolean;
  /** Default: the global `fetch` (result URLs are public links, sent without credentials). */
  fetch?: (request: Request) => Promise<Response>;
  signal?: AbortSignal;
}

export interface DownloadedImage {
  index: number;
  variant: 'image' | 'watermark';
  url: string;
  path: string;
  bytes: number;
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/**
 * Streams every result image of a task to `dir` (created if needed) as `<task_id>-<index>.<ext>`, because
 * result URLs expire 30 days after generation. Each file is written under a temporary name and renamed
 * when complete, so a failed download never leaves a truncated image behind.
 */
export async function downloadImages(task: DownloadableTask, dir: string, options: DownloadOptions = {}) {
  const fetcher = options.fetch ?? ((request: Request) => fetch(request));
  const items = [...(task.task_result?.images ?? []), ...(task.task_result?.series_images ?? [])];
  await mkdir(dir, { recursive: true });
  const saved: DownloadedImage[] = [];
  for (const [position, item] of items.entries()) {
    const index = item.index ?? position;
    const variants: [DownloadedImage['variant'], string | undefined][] = [['image', item.url]];
    if (options.watermark) variants.push(['watermark', item.watermark_url]);
    for (const [variant, url] of variants) {
      if (!url) continue;
      const base = `${task.task_id}-${index}${variant === 'watermark' ? '-watermark' : ''}`;
      saved.push({ index, variant, url, ...(await downloadOne(fetcher, url, dir, base, options.signal)) });
    }
  }
  return saved;
}

async function downloadOne(
  fetcher: (request: Request) => Promise<Response>,
  url: string,
  dir: string,
  base: string,
  signal: AbortSignal | undefined,
) {
  const response = await fetcher(new Request(url, signal ? { signal } : {})).catch((error: unknown) => {
    throw new KlingConnectionError(`Downloading ${url} failed: ${String(error)}`, { cause: error });
  });
  if (!response.ok || !response.body) {
    throw new KlingConnectionError(
      `Downloading ${url} failed with HTTP ${response.status}; result URLs expire 30 days after generation.`,
    );
  }
  const type = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  const path = join(dir, `${base}.${EXTENSIONS[type] ?? 'png'}`);
  const partial = `${path}.part`;
  let bytes = 0;
  const counted = Readable.fromWeb(response.body as NodeReadableStream).on('data', (chunk: Buffer) => {
    bytes += chunk.byteLength;
  });
  try {
    await pipeline(counted, createWriteStream(partial), signal ? { signal } : {});
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { path, bytes };
}

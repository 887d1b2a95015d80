import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { abortError } from '../core/deadline.js';
import { checkInteger, type Resolved } from '../core/options.js';
import { describeValue, KlingDownloadError, type KlingDownloadErrorReason } from './download-error.js';
import { fileInside, safeFileStem } from './file-names.js';

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
  watermark?: boolean | undefined;
  /**
   * Default: the global `fetch` (result URLs are public links, sent without credentials). Requests are
   * made with `redirect: 'manual'`; a 3xx answer is followed here, whether the fetch returns it as is or not.
   */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** Cancels the download: rejects with `KlingAbortError` and removes the file being written. */
  signal?: AbortSignal | undefined;
  /** Largest file accepted, in bytes: checked on `Content-Length` before reading and while streaming. Default 50 MiB. */
  maxBytes?: number | undefined;
  /** Redirects followed per file (0-20), each only to http(s). Default 5. */
  maxRedirects?: number | undefined;
  /** Ends a file when no byte arrives for this long (waiting for the answer included). Default 30,000 ms. */
  idleTimeoutMs?: number | undefined;
  /** Ends a file not complete after this long, however steadily bytes arrive. Default 300,000 ms. */
  timeoutMs?: number | undefined;
}

export interface DownloadedImage {
  index: number;
  variant: 'image' | 'watermark';
  /** The URL the task gave (before any redirect). */
  url: string;
  /** Absolute path of the saved file, inside `dir`. */
  path: string;
  bytes: number;
}

/** The limits `downloadImages` applies when its options leave them out. */
export const DOWNLOAD_DEFAULTS = {
  maxBytes: 50 * 1024 * 1024,
  maxRedirects: 5,
  idleTimeoutMs: 30_000,
  timeoutMs: 300_000,
} as const;

/** setTimeout fires at once for longer delays. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_REDIRECTS = 20;
/** The only types saved, and the extension each gets: never taken from the header text. */
const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Answers that usually mean an expired result URL. */
const GONE = new Set([403, 404, 410]);

type Limits = Resolved<Pick<DownloadOptions, keyof typeof DOWNLOAD_DEFAULTS>>;
type Fetcher = (request: Request) => Promise<Response>;

/** One file to fetch, checked before anything is fetched. */
interface PlannedFile {
  index: number;
  variant: DownloadedImage['variant'];
  url: string;
  parsed: URL;
  /** File name without extension: `<safeFileStem(task_id)>-<index>[-watermark]`. */
  base: string;
  /** Names the task and field in messages. */
  label: string;
}

/**
 * Streams every result image of a task to `dir` (created if needed) as `<stem>-<index>.<ext>`, because
 * result URLs expire 30 days after generation. The task is server data and treated as hostile: `stem` is
 * `safeFileStem(task_id)`, `index` must be a non-negative integer, every path is checked to stay inside
 * `dir`, and every URL, redirect, content type, size and pace is checked (see `DownloadOptions`) before
 * and while a file is written. Each file is written under a temporary name and renamed over any file of
 * the same name when complete, so a failure never leaves a partial image. Everything is checked before
 * the first request; files are fetched one at a time and those completed before a failure stay.
 * Failures reject with `KlingDownloadError`, a cancel by `signal` with `KlingAbortError`.
 */
export async function downloadImages(
  task: DownloadableTask,
  dir: string,
  options: DownloadOptions = {},
): Promise<DownloadedImage[]> {
  const limit = (name: keyof Limits, min: number, max: number) =>
    checkInteger(name, options[name] ?? DOWNLOAD_DEFAULTS[name], min, max);
  const limits: Limits = {
    maxBytes: limit('maxBytes', 1, Number.MAX_SAFE_INTEGER),
    maxRedirects: limit('maxRedirects', 0, MAX_REDIRECTS),
    idleTimeoutMs: limit('idleTimeoutMs', 1, MAX_TIMER_MS),
    timeoutMs: limit('timeoutMs', 1, MAX_TIMER_MS),
  };
  const fetcher: Fetcher = options.fetch ?? ((request) => fetch(request));
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const plan = planFiles(task, options.watermark === true);
  const root = resolve(dir);
  if (plan.length > 0) {
    await mkdir(root, { recursive: true }).catch((error: unknown) => {
      throw new KlingDownloadError(`Cannot create the download folder ${root}: ${String(error)}`, {
        reason: 'write',
        cause: error,
      });
    });
  }
  const saved: DownloadedImage[] = [];
  for (const file of plan) {
    const { path, bytes } = await downloadOne(file, root, fetcher, limits, signal);
    saved.push({ index: file.index, variant: file.variant, url: file.url, path, bytes });
  }
  return saved;
}

/** Checks the whole task before the first request: names, indexes and URLs. */
function planFiles(task: DownloadableTask, watermark: boolean): PlannedFile[] {
  const taskId: unknown = (task as { task_id?: unknown } | null)?.task_id;
  if (typeof taskId !== 'string' || taskId === '') {
    throw new KlingDownloadError(
      `Cannot name the files: task_id must be a non-empty string; got ${describeValue(taskId)}.`,
      { reason: 'file-name' },
    );
  }
  const stem = safeFileStem(taskId);
  const result: unknown = task.task_result;
  const items: [field: string, item: unknown][] = [];
  for (const field of ['images', 'series_images'] as const) {
    const list: unknown =
      result && typeof result === 'object' ? (result as Record<string, unknown>)[field] : undefined;
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      throw new KlingDownloadError(
        `Task ${describeValue(taskId)}: task_result.${field} must be an array; got ${describeValue(list)}.`,
        { reason: 'task' },
      );
    }
    for (const [position, item] of list.entries()) items.push([`task_result.${field}[${position}]`, item]);
  }
  const plan: PlannedFile[] = [];
  const names = new Set<string>();
  for (const [position, [field, item]] of items.entries()) {
    const where = `task ${describeValue(taskId)}, ${field}`;
    if (!item || typeof item !== 'object') {
      throw new KlingDownloadError(`In ${where}: an image must be an object; got ${describeValue(item)}.`, {
        reason: 'task',
      });
    }
    const image = item as Record<string, unknown>;
    // The platform sometimes omits `index` (a reseller sample); the position stands in for it then.
    const index = image.index ?? position;
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
      throw new KlingDownloadError(
        `In ${where}: index must be a non-negative integer to name a file; got ${describeValue(image.index)}.`,
        { reason: 'file-name' },
      );
    }
    const variants: [DownloadedImage['variant'], string][] = [['image', 'url']];
    if (watermark) variants.push(['watermark', 'watermark_url']);
    for (const [variant, key] of variants) {
      const url = image[key];
      if (url === undefined || url === null || url === '') continue;
      const label = `${where}.${key}`;
      if (typeof url !== 'string') {
        throw new KlingDownloadError(`In ${label}: a URL must be a string; got ${describeValue(url)}.`, {
          reason: 'url',
        });
      }
      const parsed = checkUrl(url, undefined, (reason, problem) => {
        return new KlingDownloadError(`Refusing ${label} ${describeValue(url, 200)}: ${problem}.`, {
          reason,
          url,
        });
      });
      const base = `${stem}-${index}${variant === 'watermark' ? '-watermark' : ''}`;
      if (names.has(base)) {
        throw new KlingDownloadError(
          `In ${where}: another result of the task already has index ${index}; refusing to write both to ${base}.`,
          { reason: 'file-name', url },
        );
      }
      names.add(base);
      plan.push({ index, variant, url, parsed, base, label });
    }
  }
  return plan;
}

/** Parses `text` (against `base` for a relative redirect) and refuses all but plain http(s) URLs. */
function checkUrl(
  text: string,
  base: URL | undefined,
  refuse: (reason: KlingDownloadErrorReason, problem: string) => KlingDownloadError,
): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw refuse('url', base ? 'not a valid URL' : 'not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refuse('scheme', `only http: and https: URLs are fetched, not ${describeValue(url.protocol)}`);
  }
  if (url.username || url.password) throw refuse('url', 'URLs with credentials are not fetched');
  return url;
}

/**
 * Fetches one file to `<root>/<base>.<ext>`. Every wait is raced against `stopped`, which the total timer,
 * the idle timer and the caller's signal reject: our own timers end the wait even when a fetch ignores its
 * abort signal, and the abort then only closes the connection.
 */
async function downloadOne(
  file: PlannedFile,
  root: string,
  fetcher: Fetcher,
  limits: Limits,
  signal: AbortSignal | undefined,
): Promise<{ path: string; bytes: number }> {
  if (signal?.aborted) throw abortError(signal);
  let current = file.parsed;
  const fail = (
    reason: KlingDownloadErrorReason,
    problem: string,
    extra: { status?: number; cause?: unknown } = {},
  ) => {
    const hop =
      current.href === file.parsed.href ? '' : ` (redirected to ${describeValue(current.href, 200)})`;
    return new KlingDownloadError(
      `Downloading ${file.label} ${describeValue(file.url, 200)}${hop} failed: ${problem}.`,
      { reason, url: file.url, ...extra },
    );
  };

  const controller = new AbortController();
  let stop: (error: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = (error) => {
      reject(error);
      controller.abort(error);
    };
  });
  stopped.catch(() => {});
  const total = setTimeout(
    () => stop(fail('timeout', `not complete after ${limits.timeoutMs} ms (timeoutMs)`)),
    limits.timeoutMs,
  );
  let idle: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () => stop(fail('timeout', `no data for ${limits.idleTimeoutMs} ms (idleTimeoutMs)`)),
      limits.idleTimeoutMs,
    );
  };
  const onAbort = () => stop(abortError(signal as AbortSignal));
  signal?.addEventListener('abort', onAbort, { once: true });

  let body: ReadableStream<Uint8Array> | null = null;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let handle: FileHandle | undefined;
  let temp: string | undefined;
  let complete = false;
  try {
    armIdle();
    let response: Response;
    for (let redirects = 0; ; redirects++) {
      const request = new Request(current, { redirect: 'manual', signal: controller.signal });
      response = await Promise.race([
        fetcher(request).catch((error: unknown) => {
          throw fail('connection', `no answer (${String(error)})`, { cause: error });
        }),
        stopped,
      ]);
      body = response.body;
      const { status } = response;
      if (response.type === 'opaqueredirect') {
        throw fail('redirect', "the fetch function hid a redirect's target (opaqueredirect)");
      }
      if (!REDIRECTS.has(status)) break;
      release(body);
      body = null;
      if (redirects >= limits.maxRedirects) {
        throw fail('redirect', `more than ${limits.maxRedirects} redirects (maxRedirects)`, { status });
      }
      const location = response.headers.get('location');
      if (!location) throw fail('redirect', `HTTP ${status} without a Location header`, { status });
      current = checkUrl(location, current, (reason, problem) =>
        fail(reason, `redirect to ${describeValue(location, 200)} refused: ${problem}`, { status }),
      );
    }
    const { status, headers } = response;
    if (status === 0 || response.type === 'error') throw fail('connection', 'a network error');
    if (status < 200 || status > 299) {
      const hint = GONE.has(status) ? '; result URLs expire 30 days after generation' : '';
      throw fail('status', `HTTP ${status}${hint}`, { status });
    }
    const type = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const extension = EXTENSIONS[type];
    if (!extension) {
      const declared = type ? `content-type ${describeValue(type)}` : 'no content-type';
      throw fail('content-type', `${declared}; only image/png, image/jpeg and image/webp are saved`, {
        status,
      });
    }
    const declaredLength = headers.get('content-length');
    if (declaredLength && /^\d+$/.test(declaredLength) && Number(declaredLength) > limits.maxBytes) {
      throw fail(
        'too-large',
        `declares ${Number(declaredLength)} bytes, more than ${limits.maxBytes} (maxBytes)`,
        {
          status,
        },
      );
    }
    if (!body) throw fail('status', `HTTP ${status} without a body`, { status });

    let path: string;
    try {
      path = fileInside(root, `${file.base}.${extension}`);
      temp = fileInside(root, `${file.base}.${extension}.${randomBytes(6).toString('hex')}.part`);
    } catch (error) {
      throw fail('file-name', String(error), { cause: error });
    }
    // 'wx': never opens a file (or follows a link) that is already there.
    const opening = temp;
    handle = await open(opening, 'wx').catch((error: unknown) => {
      temp = undefined;
      throw fail('write', `cannot create ${opening} (${String(error)})`, { cause: error });
    });
    reader = body.getReader();
    let bytes = 0;
    for (;;) {
      armIdle();
      const chunk = await Promise.race([
        reader.read().catch((error: unknown) => {
          throw fail('connection', `the body broke off (${String(error)})`, { status, cause: error });
        }),
        stopped,
      ]);
      clearTimeout(idle);
      if (chunk.done) break;
      bytes += chunk.value.byteLength;
      if (bytes > limits.maxBytes) {
        throw fail('too-large', `more than ${limits.maxBytes} bytes (maxBytes)`, { status });
      }
      await handle.write(chunk.value).catch((error: unknown) => {
        throw fail('write', `cannot write ${temp} (${String(error)})`, { cause: error });
      });
    }
    complete = true;
    await handle.close().catch((error: unknown) => {
      throw fail('write', `cannot write ${temp} (${String(error)})`, { cause: error });
    });
    handle = undefined;
    // Replaces a file of the same name (an earlier download of the same image); a link there is replaced, not followed.
    await rename(temp, path).catch((error: unknown) => {
      throw fail('write', `cannot rename ${temp} to ${path} (${String(error)})`, { cause: error });
    });
    temp = undefined;
    return { path, bytes };
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
    signal?.removeEventListener('abort', onAbort);
    if (!complete) {
      // Frees the connection of an answer that was refused or cut short.
      controller.abort();
      release(reader ?? body);
    }
    await handle?.close().catch(() => {});
    if (temp) await rm(temp, { force: true }).catch(() => {});
  }
}

/** Cancels a body that will not be read, without waiting: a hostile stream's cancel may never settle. */
function release(
  body: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array> | null | undefined,
) {
  body?.cancel().catch(() => {});
}

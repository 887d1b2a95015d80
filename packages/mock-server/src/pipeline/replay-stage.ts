import { CORS_HEADERS } from '../http/envelope.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import {
  type CassetteEntry,
  cleanQuery,
  type IdMap,
  type LoadedEntry,
  matchKey,
  operationOf,
  scrubText,
} from '../record/cassette.js';
import type { Answer } from './stages.js';

/** Names the recording an answer came from (`file.cassette.jsonl#seq`); absent on simulated answers. */
export const REPLAY_HEADER = 'x-kling-mock-replay';
const BODY_TEXT_CHARS = 1000;

interface Queue {
  entries: LoadedEntry[];
  next: number;
}

/**
 * Replay: API requests a cassette recorded are answered from it, the rest are simulated. The matching rule
 * (see `matchKey`): the operation and the request, with what differs on every run normalised (credentials
 * ignored, `external_task_id` and `callback_url` by presence only, ids of this run read as the recorded ones
 * they stand for). Requests with the same key get the recordings in the order they were made; once those
 * are used up, a query or list gets the last one again (the task stays as it was last seen), and a create
 * is simulated. Served answers are the recorded bytes; only when this run's `external_task_id` differs from
 * the recorded one is the answer's `task_info.external_task_id` rewritten to this run's.
 *
 * Replayed answers skip latency, faults, auth and limits: they are what the platform answered then.
 */
export function createReplayStage(loaded: readonly LoadedEntry[]) {
  const queues = new Map<string, Queue>();
  for (const item of loaded) {
    const { request, operation } = item.entry;
    const found = operationOf(request.method, request.path);
    if (!found) continue;
    const key = matchKey(operation, found.template, request);
    const queue = queues.get(key) ?? { entries: [], next: 0 };
    queue.entries.push(item);
    queues.set(key, queue);
  }
  let ids: IdMap = { toRecorded: new Map(), toLive: new Map() };

  function take(key: string, method: string): LoadedEntry | undefined {
    const queue = queues.get(key);
    if (!queue) return undefined;
    if (queue.next < queue.entries.length) return queue.entries[queue.next++];
    return method === 'GET' ? queue.entries.at(-1) : undefined;
  }

  function answerFrom({ entry, source }: LoadedEntry): MockResponse {
    const headers: Record<string, string> = {
      'content-type': entry.answer.headers['content-type'] ?? 'application/json; charset=utf-8',
      ...CORS_HEADERS,
      [REPLAY_HEADER]: source,
    };
    const retryAfter = entry.answer.headers['retry-after'];
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    return { status: entry.answer.status, headers, body: withLiveIds(entry.answer.body, ids) };
  }

  return {
    /**
     * The recorded answer for `request`, or `simulate(request)` when a create has none; `undefined` (simulate
     * at once) for a query or list with none. Only a create waits, for its body.
     */
    replay(request: MockRequest, simulate: (request: MockRequest) => Answer): Answer | undefined {
      const found = operationOf(request.method, request.path);
      if (!found) return undefined;
      const query = cleanQuery(request.query.toString()).query;
      if (request.method !== 'POST') {
        const taken = take(
          matchKey(found.operationId, found.template, { path: request.path, query }, ids),
          'GET',
        );
        return taken && answerFrom(taken);
      }
      return request.body().then((raw) => {
        if (raw === undefined) return simulate(request);
        const text = raw.toString('utf8');
        let body: unknown;
        let bodyText: string | undefined;
        try {
          body = JSON.parse(text);
        } catch {
          bodyText = (scrubText(text) ?? text).slice(0, BODY_TEXT_CHARS);
        }
        const taken = take(
          matchKey(found.operationId, found.template, { path: request.path, query, body, bodyText }),
          request.method,
        );
        if (!taken) return simulate(request);
        learnIds(body, taken.entry, ids);
        return answerFrom(taken);
      });
    },
    /** Back to the start of the recording (`reset`): every recording unused, no ids learnt. */
    rewind() {
      for (const queue of queues.values()) queue.next = 0;
      ids = { toRecorded: new Map(), toLive: new Map() };
    },
  };
}

function externalIdOf(body: unknown): string | undefined {
  const id = (body as { external_task_id?: unknown } | null)?.external_task_id;
  return typeof id === 'string' ? id : undefined;
}

/** A create matched: its `external_task_id` stands for the recorded one from now on. */
function learnIds(body: unknown, entry: CassetteEntry, ids: IdMap): void {
  const live = externalIdOf(body);
  const recorded = externalIdOf(entry.request.body);
  if (live === undefined || recorded === undefined || live === recorded) return;
  ids.toRecorded.set(live, recorded);
  ids.toLive.set(recorded, live);
}

/** The recorded answer, with recorded `external_task_id`s this run knows by another id given that one. */
function withLiveIds(body: string, ids: IdMap): string {
  if (ids.toLive.size === 0) return body;
  let needed = false;
  for (const recorded of ids.toLive.keys()) if (body.includes(JSON.stringify(recorded))) needed = true;
  if (!needed) return body;
  let envelope: { data?: unknown };
  try {
    envelope = JSON.parse(body) as { data?: unknown };
  } catch {
    return body;
  }
  const data = envelope.data;
  const tasks = Array.isArray(data) ? data : [data];
  let changed = false;
  for (const task of tasks) {
    const info = (task as { task_info?: { external_task_id?: unknown } } | null)?.task_info;
    const live =
      typeof info?.external_task_id === 'string' ? ids.toLive.get(info.external_task_id) : undefined;
    if (info && live !== undefined) {
      info.external_task_id = live;
      changed = true;
    }
  }
  return changed ? JSON.stringify(envelope) : body;
}

import {
  createKlingClient,
  KlingApiError,
  type KlingClient,
  type KlingLogger,
  KlingTaskFailedError,
} from '@klingkit/client';
import { createMockServer, PROMPT_MARKERS } from '@klingkit/mock-server';
import { describe, expect, it } from 'vitest';

const CALLS = 1000;
const WORKERS = 40;
/** Every 25th call asks for a task that fails, so its right outcome is a KlingTaskFailedError. */
const FAILING_EVERY = 25;
/** Calls made as the account with a small balance: its first units succeed, the rest must be 1102. */
const POOR_EVERY = 10;
const POOR_BALANCE = 30;
/**
 * Twice in the run the mock expires every token issued so far (`expireTokens`), so calls in flight meet 1004
 * and the clients must sign new ones. A request re-signs once, so one whose resends (after faults, with
 * backoff) outlived a second expiration would fail: the second expiration waits until every call that was
 * in flight at the first has ended.
 */
const EXPIRE_AT = [Math.floor(CALLS / 3), Math.floor((2 * CALLS) / 3)];

type Outcome = 'succeeded' | 'task failed' | 'balance spent';

describe('client under faults', () => {
  it(`${CALLS} generate() calls across ${WORKERS} workers: right outcome each, no duplicate task, no unhandled rejection`, async () => {
    const poorKeys = { accessKey: 'poor-access-key', secretKey: 'poor-secret-key' };
    const richKeys = { accessKey: 'demo-access-key', secretKey: 'demo-secret-key' };
    const mock = createMockServer({
      accounts: [richKeys, poorKeys],
      limits: { concurrency: 1000, balances: { [poorKeys.accessKey]: POOR_BALANCE } },
      // 5xx, 429 (1302/1303) and dropped connections on 18% of requests; half of the faults on creates
      // strike after the task was made, the case where a careless retry bills twice.
      faults: {
        serverErrorRate: 0.08,
        rateLimitRate: 0.06,
        dropRate: 0.04,
        latencyMs: 1,
        afterCreateShare: 0.5,
        seed: 7,
      },
    });
    const url = await mock.listen();
    const resigned: string[] = [];
    const logger: KlingLogger = {
      debug: (message) => {
        if (message.includes('token rejected')) resigned.push(message);
      },
      warn: () => {},
    };
    // What the wire saw, to prove every kind of fault was met (a run that met none would prove nothing).
    const seen = new Map<string, number>();
    const count = (kind: string) => seen.set(kind, (seen.get(kind) ?? 0) + 1);
    const countingFetch = async (request: Request) => {
      try {
        const response = await fetch(request);
        if (response.status !== 200) {
          const { code } = (await response.clone().json()) as { code: number };
          count(`${response.status}/${code}`);
        }
        return response;
      } catch (error) {
        count('dropped');
        throw error;
      }
    };
    const clientFor = (keys: typeof richKeys): KlingClient =>
      createKlingClient({
        ...keys,
        baseUrl: url,
        fetch: countingFetch,
        logger,
        maxRetries: 10,
        baseDelayMs: 2,
        maxDelayMs: 40,
      });
    const rich = clientFor(richKeys);
    const poor = clientFor(poorKeys);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const outcomes = new Map<number, Outcome | string>();
    let next = 0;
    const call = async (i: number): Promise<Outcome> => {
      const failing = i % FAILING_EVERY === 3;
      const client = i % POOR_EVERY === 0 ? poor : rich;
      const prompt = `fault run ${i}${failing ? ` ${PROMPT_MARKERS.fail}` : ''}`;
      try {
        const { images } = await client.tasks.generate(
          'generations',
          { prompt },
          { pollIntervalMs: 10, maxPollIntervalMs: 30, timeoutMs: 60_000 },
        );
        if (images.length !== 1) throw new Error(`expected 1 image, got ${images.length}`);
        return 'succeeded';
      } catch (error) {
        if (error instanceof KlingTaskFailedError && failing) return 'task failed';
        if (error instanceof KlingApiError && error.code === 1102 && client === poor) return 'balance spent';
        throw error;
      }
    };
    // The calls from each expiration on wait for it, and each expiration for the calls in flight at the one
    // before to end.
    const inFlight = new Set<Promise<unknown>>();
    const expirations: Promise<Promise<unknown>[]>[] = [];
    const expiration = (k: number): Promise<Promise<unknown>[]> =>
      (expirations[k] ??= (k === 0 ? Promise.resolve([]) : expiration(k - 1)).then(async (before) => {
        await Promise.allSettled(before);
        mock.expireTokens();
        return [...inFlight];
      }));
    const worker = async () => {
      while (next < CALLS) {
        const i = next++;
        for (let k = 0; k < EXPIRE_AT.length && i >= (EXPIRE_AT[k] as number); k++) await expiration(k);
        const outcome = call(i).catch((error: unknown) => `unexpected: ${String(error)}`);
        inFlight.add(outcome);
        outcomes.set(i, await outcome);
        inFlight.delete(outcome);
      }
    };
    try {
      await Promise.all(Array.from({ length: WORKERS }, worker));
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await mock.close();
    }

    const tally = (values: Iterable<string>) =>
      [...values].reduce((all, v) => all.set(v, (all.get(v) ?? 0) + 1), new Map<string, number>());
    console.info(
      'outcomes',
      Object.fromEntries(tally(outcomes.values())),
      'faults met',
      Object.fromEntries(seen),
    );
    const unexpected = [...outcomes].filter(([, outcome]) => outcome.startsWith('unexpected'));
    expect(unexpected).toEqual([]);
    const expected = (i: number): Outcome[] =>
      i % POOR_EVERY === 0
        ? ['succeeded', 'balance spent']
        : [i % FAILING_EVERY === 3 ? 'task failed' : 'succeeded'];
    const wrong = [...outcomes].filter(([i, outcome]) => !expected(i).includes(outcome as Outcome));
    expect(wrong).toEqual([]);
    expect(outcomes.size).toBe(CALLS);

    const poorCalls = [...outcomes].filter(([i]) => i % POOR_EVERY === 0);
    // The poor account pays exactly its balance: no task was billed twice, none for a refused create.
    expect(poorCalls.filter(([, outcome]) => outcome === 'succeeded')).toHaveLength(POOR_BALANCE);
    // 1102 is final: each refused create was sent once, never retried.
    expect(seen.get('429/1102')).toBe(CALLS / POOR_EVERY - POOR_BALANCE);
    const tasks = mock.tasks();
    const madeTasks = [...outcomes.values()].filter((outcome) => outcome !== 'balance spent').length;
    expect(tasks).toHaveLength(madeTasks);
    expect(new Set(tasks.map(({ task }) => task.task_info?.external_task_id)).size).toBe(madeTasks);
    for (const kind of [
      '500/5000',
      '503/5001',
      '504/5002',
      '429/1302',
      '429/1303',
      'dropped',
      '429/1102',
      '401/1004',
    ])
      expect(seen.get(kind), kind).toBeGreaterThan(0);
    expect(resigned).toHaveLength(seen.get('401/1004') ?? 0);
    expect(unhandled).toEqual([]);
  }, 120_000);
});

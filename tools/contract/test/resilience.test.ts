import { createKlingClient } from '@klingkit/client';
import { createMockServer } from '@klingkit/mock-server';
import { describe, expect, it } from 'vitest';

describe('client resilience against an unreliable server', () => {
  it('completes 200 generate() calls under 20% injected 5xx/429 and latency, creating exactly 200 tasks', async () => {
    const mock = createMockServer({
      limits: { concurrency: 1000 },
      // Half of the 5xx on creates are sent after the task was made: the ambiguous case.
      faults: { serverErrorRate: 0.1, rateLimitRate: 0.1, latencyMs: 2, afterCreateShare: 0.5, seed: 42 },
    });
    const url = await mock.listen();
    try {
      const client = createKlingClient({
        accessKey: 'demo-access-key',
        secretKey: 'demo-secret-key',
        baseUrl: url,
        maxRetries: 8,
        baseDelayMs: 5,
        maxDelayMs: 50,
      });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) =>
          client.tasks.generate(
            'generations',
            { prompt: `resilient ${i}` },
            { pollIntervalMs: 20, maxPollIntervalMs: 40 },
          ),
        ),
      );
      process.off('unhandledRejection', onUnhandled);
      const failures = results
        .filter((result) => result.status === 'rejected')
        .map((result) => String((result as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      const tasks = mock.tasks();
      expect(tasks).toHaveLength(200);
      expect(new Set(tasks.map((task) => task.task.task_info?.external_task_id)).size).toBe(200);
      expect(unhandled).toEqual([]);
    } finally {
      await mock.close();
    }
  });
});

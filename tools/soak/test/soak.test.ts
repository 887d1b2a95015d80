import { describe, expect, it } from 'vitest';
import { runSoak, verdicts } from '../src/soak-run.mjs';

// The short variant of `pnpm --filter @klingkit/soak soak` (1,000,000 requests): the same mix and checks,
// except memory growth, which a run of a few seconds cannot judge.
const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 30_000);

describe('load and soak (short variant)', () => {
  it(`${REQUESTS} mixed requests: no 5xx, no protocol error, bounds kept, graceful SIGTERM`, async () => {
    const summary = await runSoak({ requests: REQUESTS, maxTasks: 2_000 });
    console.info(summary);
    const failed = verdicts(summary, { checkMemory: false }).filter(({ ok }) => !ok);
    expect(failed).toEqual([]);
    // The mix really was mixed: successes, rejections and unknown ids, with the store evicting.
    expect(Object.keys(summary.statuses).sort()).toEqual(['200', '400', '404']);
    expect(summary.peakStats.tasks).toBe(2_000);
    expect(summary.peakStats.images).toBeGreaterThan(0);
  });
});

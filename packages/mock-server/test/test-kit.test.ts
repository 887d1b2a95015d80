import { KlingAbortError, KlingWaitTimeoutError } from '@klingkit/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TIMING_PROFILES } from '../src/index.js';
import { createTestKit, mockClock, type TestKit } from '../src/testing/index.js';

const kits: TestKit[] = [];
function kit(...args: Parameters<typeof createTestKit>) {
  const made = createTestKit(...args);
  kits.push(made);
  return made;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(kits.splice(0).map((made) => made.close()));
});

/** Counts the client's requests by method, as they leave it. */
function countRequests(made: TestKit) {
  const sent = { GET: 0, POST: 0 };
  made.kling.use({
    onRequest({ request }) {
      sent[request.method as 'GET' | 'POST']++;
    },
  });
  return sent;
}

/**
 * Real time stands still and real timers never fire: whatever a test here awaits cannot be a real sleep
 * (it would never end). Only the mock clock moves, and only when the client waits on it.
 */
function freezeRealTime() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'], now: new Date('2026-05-01T08:00:00Z') });
}

describe('createTestKit', () => {
  it("resolves generate() with the client's defaults as soon as the task ends on the mock clock", async () => {
    freezeRealTime();
    const made = kit({ profile: 'realistic' });
    const sent = countRequests(made);
    const started = made.mock.now();
    const { task, images } = await made.kling.tasks.generate('generations', { prompt: 'a red fox', n: 2 });
    expect(task.task_status).toBe('succeed');
    expect(images).toHaveLength(2);
    // The task takes 1 s queued and 3.4 s of work for two images, on the mock clock; the client polled
    // at once, then after about 2 s, 3 s (and 4.5 s), as with real time, but waited for none of it.
    const { processingAfterMs, processingMs, perImageMs } = TIMING_PROFILES.realistic;
    const taskMs = processingAfterMs + processingMs + perImageMs;
    const elapsed = made.mock.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(taskMs);
    expect(elapsed).toBeLessThan(taskMs + 4500 * 1.2);
    expect(sent.POST).toBe(1);
    expect(sent.GET).toBeGreaterThanOrEqual(3);
    expect(sent.GET).toBeLessThanOrEqual(4);
    expect(Date.now()).toBe(Date.parse('2026-05-01T08:00:00Z'));
  });

  it("times a wait out after timeoutMs of the mock's time", async () => {
    freezeRealTime();
    const made = kit({ timings: { processingMs: 24 * 3600 * 1000 } });
    const sent = countRequests(made);
    const { task_id } = await made.kling.tasks.create('generations', { prompt: 'a long one' });
    const started = made.mock.now();
    const error = await made.kling.tasks.wait('generations', task_id, { timeoutMs: 60_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(KlingWaitTimeoutError);
    expect(error).toMatchObject({ taskId: task_id, lastStatus: 'processing' });
    expect(made.mock.now() - started).toBe(60_000);
    // Polls at 2 s growing by half up to 15 s: about eight in a minute, none after the deadline.
    expect(sent.GET).toBeGreaterThanOrEqual(6);
    expect(sent.GET).toBeLessThanOrEqual(11);
  });

  it('backs off on the mock clock when the mock refuses a request', async () => {
    freezeRealTime();
    const made = kit();
    const sent = countRequests(made);
    made.mock.injectError(1303, 2);
    const started = made.mock.now();
    await made.kling.tasks.create('generations', { prompt: 'after two refusals' });
    expect(sent.POST).toBe(3);
    // Two backoffs of the client's defaults (1 s, then 2 s, each at least half fixed).
    expect(made.mock.now() - started).toBeGreaterThanOrEqual(500 + 1000);
    expect(made.mock.now() - started).toBeLessThanOrEqual(1000 + 2000 + 2);
  });

  it("signs in as the mock's first account, else its first API key, else the demo account, unless told; client options pass", async () => {
    const byPair = kit({ accounts: [{ accessKey: 'kit-ak', secretKey: 'kit-sk' }] });
    await byPair.kling.tasks.create('generations', { prompt: 'pair' });
    expect(byPair.mock.tasks().map(({ account }) => account)).toEqual(['kit-ak']);

    const byKey = kit({ apiKeys: ['kit-api-key-0123456789'] });
    await byKey.kling.tasks.create('generations', { prompt: 'key' });
    expect(byKey.mock.tasks('api-key:kit-api-key-0123456789')).toHaveLength(1);

    const chosen = kit({
      accounts: [{ accessKey: 'kit-ak', secretKey: 'kit-sk' }],
      apiKeys: ['kit-api-key-0123456789'],
      client: { apiKey: 'kit-api-key-0123456789' },
    });
    await chosen.kling.tasks.create('generations', { prompt: 'chosen' });
    expect(chosen.mock.tasks('kit-ak')).toHaveLength(0);
    expect(chosen.mock.tasks('api-key:kit-api-key-0123456789')).toHaveLength(1);

    const demo = kit({ client: { maxRetries: 0 } });
    demo.mock.injectError(5000);
    await expect(demo.kling.tasks.get('generations', 'none')).rejects.toMatchObject({ code: 5000 });
    await demo.kling.tasks.create('generations', { prompt: 'demo' });
    expect(demo.mock.tasks('demo-access-key')).toHaveLength(1);
  });
});

describe('mockClock', () => {
  it('moves the mock clock by whole milliseconds, and not at all once aborted', async () => {
    freezeRealTime();
    const made = kit();
    const clock = mockClock(made.mock);
    const started = clock.now();
    await clock.sleep(1500.2);
    expect(clock.now() - started).toBe(1501);
    await clock.sleep(-5);
    expect(clock.now() - started).toBe(1501);
    await expect(clock.sleep(1000, AbortSignal.abort('stop'))).rejects.toBeInstanceOf(KlingAbortError);
    expect(clock.now() - started).toBe(1501);
  });
});

import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { taskRecord } from '../../test/fixtures/task-record.js';
import type { TaskRecord } from '../store/task-record.js';
import { createClock } from './clock.js';
import { createTaskLifecycle } from './task-lifecycle.js';

const task = (taskId: string, processingAt: number, endsAt: number, failed: boolean) =>
  taskRecord({
    taskId,
    processingAt,
    endsAt,
    outcome: failed ? { status: 'failed', message: 'no' } : { status: 'succeed' },
  });

/** What a task's state must be once the clock reads `now`. */
const expected = (record: TaskRecord, now: number) =>
  now >= record.endsAt
    ? { status: record.outcome.status, updatedAt: record.endsAt }
    : now >= record.processingAt
      ? { status: 'processing', updatedAt: record.processingAt }
      : { status: 'submitted', updatedAt: 0 };

describe('the task lifecycle', () => {
  it('puts every task in the state its times call for, at every tick, announcing each change once', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.boolean())
            .map(([queued, working, failed]) => ({ queued, working, failed })),
          { maxLength: 60 },
        ),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 20 }),
        (plans, steps) => {
          let now = 0;
          const clock = createClock(() => 0);
          const changes: string[] = [];
          const lifecycle = createTaskLifecycle({
            clock,
            onChange: (record) => changes.push(`${record.taskId}:${record.status}`),
          });
          const records = plans.map((plan, i) =>
            task(String(i), plan.queued, plan.queued + plan.working, plan.failed),
          );
          for (const record of records) lifecycle.start(record);
          for (const step of steps) {
            clock.advance(step);
            now += step;
            lifecycle.tick();
            for (const record of records) {
              expect({ status: record.status, updatedAt: record.updatedAt }).toEqual(expected(record, now));
            }
          }
          for (const record of records) {
            const announced = changes.filter((change) => change.startsWith(`${record.taskId}:`));
            const path =
              record.status === 'submitted'
                ? []
                : record.status === 'processing'
                  ? ['processing']
                  : ['processing', record.outcome.status];
            expect(announced).toEqual(path.map((status) => `${record.taskId}:${status}`));
          }
          lifecycle.stop();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the lifecycle timer', () => {
  afterEach(() => {
    // The spy first: restored after the clock, it would put the fake setTimeout back.
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('moves tasks on time with no request ticking it, through queued and running tasks', () => {
    vi.useFakeTimers({ now: 0 });
    const clock = createClock(() => Date.now());
    const changes: string[] = [];
    const lifecycle = createTaskLifecycle({
      clock,
      onChange: (record) => changes.push(`${record.taskId}:${record.status}@${Date.now()}`),
    });
    lifecycle.start(task('a', 10, 50, false));
    lifecycle.start(task('b', 30, 40, true));
    vi.advanceTimersByTime(100);
    expect(changes).toEqual(['a:processing@10', 'b:processing@30', 'b:failed@40', 'a:succeed@50']);
    lifecycle.stop();
  });

  it('arms a timer per firing, not per request: ticks that move the queue on leave the armed timer', () => {
    vi.useFakeTimers({ now: 0 });
    const armed = vi.spyOn(globalThis, 'setTimeout');
    let now = 0;
    const clock = createClock(() => now);
    const lifecycle = createTaskLifecycle({ clock, onChange: () => {} });
    // A busy mock: a create every 0.1 ms, each task queued 10 ms and running 40 ms, a tick per request.
    for (let i = 0; i < 2000; i++) {
      now += 0.1;
      lifecycle.tick();
      lifecycle.start(task(String(i), now + 10, now + 50, false));
    }
    expect(armed.mock.calls.length).toBeLessThanOrEqual(2);
    lifecycle.stop();
  });

  it('moves a task due in weeks on time, with a handful of timers (node caps a delay at about 24.8 days)', () => {
    vi.useFakeTimers({ now: 0 });
    const armed = vi.spyOn(globalThis, 'setTimeout');
    const clock = createClock(() => Date.now());
    const changes: string[] = [];
    const lifecycle = createTaskLifecycle({
      clock,
      onChange: (record) => changes.push(`${record.status}@${Date.now()}`),
    });
    const day = 86_400_000;
    lifecycle.start(task('far', 10, 30 * day, false));
    vi.advanceTimersByTime(20);
    // Checked before the long wait: uncapped, node (and the fake clock) would fire it every millisecond.
    expect(armed.mock.calls.map(([, delay]) => delay)).toEqual([10, 2 ** 31 - 1]);
    vi.advanceTimersByTime(31 * day);
    expect(changes).toEqual(['processing@10', `succeed@${30 * day}`]);
    expect(armed.mock.calls.every(([, delay]) => (delay ?? 0) <= 2 ** 31 - 1)).toBe(true);
    expect(armed.mock.calls.length).toBeLessThanOrEqual(4);
    lifecycle.stop();
  });
});

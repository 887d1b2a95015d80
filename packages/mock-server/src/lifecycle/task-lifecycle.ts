import FlatQueue from 'flatqueue';
import type { TaskRecord } from '../store/task-record.js';
import type { Clock } from './clock.js';

/** The longest delay node's timers take: 2^31 - 1 ms, about 24.8 days. */
const LONGEST_DELAY_MS = 2 ** 31 - 1;

/**
 * Moves tasks through `submitted -> processing -> succeed | failed` as the mock clock passes their planned
 * times. State is materialized on every `tick()`: before each request, when the clock is advanced, and by a
 * single timer set for the next due transition, so callbacks fire on time without one timer per task.
 * Active tasks wait in a queue ordered by their next transition, so a tick touches only the tasks that are
 * due: scanning every active task made each tick cost as much as the number of running tasks (thousands
 * under load, tens of thousands with the realistic profile).
 */
export function createTaskLifecycle(options: { clock: Clock; onChange: (record: TaskRecord) => void }) {
  const due = new FlatQueue<TaskRecord>();
  /** When the first queued transition is due (mock clock); a tick before then has nothing to do. */
  let nextDue = Number.POSITIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer is due (mock clock), or infinity without one. */
  let timerAt = Number.POSITIVE_INFINITY;

  /**
   * Makes sure a timer fires no later than `at`. A timer already armed for earlier stays: when it fires, the
   * tick arms the next one. Re-arming for every change of the queue's head cost a clearTimeout and a new
   * setTimeout per request under load, where every request's tick moves the head on.
   */
  const arm = (at: number) => {
    if (at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    // node runs a longer delay after 1 ms (with a warning): a task due in weeks (a seeded one) would
    // re-arm every millisecond. Capped, the timer fires early, finds nothing due and arms again.
    timer = setTimeout(fired, Math.min(LONGEST_DELAY_MS, Math.max(0, at - options.clock.now())));
    timer.unref?.();
  };

  function fired() {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    tick();
    arm(nextDue);
  }

  function tick() {
    const now = options.clock.now();
    if (now < nextDue) return;
    while ((due.peekValue() ?? Number.POSITIVE_INFINITY) <= now) {
      const record = due.pop() as TaskRecord;
      if (record.status === 'submitted') {
        record.status = 'processing';
        record.updatedAt = record.processingAt;
        options.onChange(record);
      }
      if (now < record.endsAt) {
        due.push(record, record.endsAt);
        continue;
      }
      record.status = record.outcome.status;
      record.updatedAt = record.endsAt;
      options.onChange(record);
    }
    nextDue = due.peekValue() ?? Number.POSITIVE_INFINITY;
    arm(nextDue);
  }

  return {
    /** Starts a new task's lifecycle (it is `submitted` now). */
    start(record: TaskRecord) {
      due.push(record, record.processingAt);
      if (record.processingAt < nextDue) nextDue = record.processingAt;
      arm(record.processingAt);
    },
    tick,
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      nextDue = Number.POSITIVE_INFINITY;
      due.clear();
    },
  };
}

export type TaskLifecycle = ReturnType<typeof createTaskLifecycle>;

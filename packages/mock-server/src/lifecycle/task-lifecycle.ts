import FlatQueue from 'flatqueue';
import type { TaskRecord } from '../store/task-record.js';
import type { Clock } from './clock.js';

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
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerDue = Number.POSITIVE_INFINITY;

  const setTimer = (at: number) => {
    if (at === timerDue) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerDue = at;
    if (at === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(tick, Math.max(0, at - options.clock.now()));
    timer.unref?.();
  };

  function tick() {
    const now = options.clock.now();
    if (now < timerDue) return;
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
    setTimer(due.peekValue() ?? Number.POSITIVE_INFINITY);
  }

  return {
    /** Starts a new task's lifecycle (it is `submitted` now). */
    start(record: TaskRecord) {
      due.push(record, record.processingAt);
      if (record.processingAt < timerDue) setTimer(record.processingAt);
    },
    tick,
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      timerDue = Number.POSITIVE_INFINITY;
      due.clear();
    },
  };
}

export type TaskLifecycle = ReturnType<typeof createTaskLifecycle>;

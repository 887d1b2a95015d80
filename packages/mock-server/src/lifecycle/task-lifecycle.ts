import type { TaskRecord } from '../store/task-record.js';
import type { Clock } from './clock.js';

/**
 * Moves tasks through `submitted -> processing -> succeed | failed` as the mock clock passes their planned
 * times. State is materialized on every `tick()`: before each request, when the clock is advanced, and by a
 * single timer set for the next due transition, so callbacks fire on time without one timer per task.
 */
export function createTaskLifecycle(options: { clock: Clock; onChange: (record: TaskRecord) => void }) {
  const active = new Set<TaskRecord>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerDue = Number.POSITIVE_INFINITY;

  const nextDue = (record: TaskRecord) =>
    record.status === 'submitted' ? record.processingAt : record.endsAt;

  const setTimer = (due: number) => {
    if (due === timerDue) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerDue = due;
    if (due === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(tick, Math.max(0, due - options.clock.now()));
    timer.unref?.();
  };

  const schedule = () => {
    let due = Number.POSITIVE_INFINITY;
    for (const record of active) due = Math.min(due, nextDue(record));
    setTimer(due);
  };

  function tick() {
    const now = options.clock.now();
    if (now < timerDue) return;
    for (const record of active) {
      if (record.status === 'submitted' && now >= record.processingAt) {
        record.status = 'processing';
        record.updatedAt = record.processingAt;
        options.onChange(record);
      }
      if (record.status === 'processing' && now >= record.endsAt) {
        record.status = record.outcome.status;
        record.updatedAt = record.endsAt;
        active.delete(record);
        options.onChange(record);
      }
    }
    schedule();
  }

  return {
    /** Starts a new task's lifecycle (it is `submitted` now). */
    start(record: TaskRecord) {
      active.add(record);
      if (nextDue(record) < timerDue) setTimer(nextDue(record));
    },
    tick,
    get activeCount() {
      return active.size;
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      timerDue = Number.POSITIVE_INFINITY;
      active.clear();
    },
  };
}

export type TaskLifecycle = ReturnType<typeof createTaskLifecycle>;

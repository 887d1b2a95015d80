import {
  CONTROL_LIMITS,
  CONTROL_RANGES,
  checkNumber,
  checkPending,
  describeValue,
} from '../controls/control-bounds.js';
import type { TaskRecord } from '../store/task-record.js';

/** Prompt markers that make a task fail or be refused, for testing failure paths without the controls. */
export const PROMPT_MARKERS = {
  fail: '[mock:fail]',
  policy: '[mock:policy]',
  reject: '[mock:reject]',
} as const;

export type PlannedOutcome = TaskRecord['outcome'];

const FAIL_NEXT_MESSAGE = 'Task failed as requested by the mock controls';
/** One object for every task that succeeds: each task keeps its outcome, and most succeed. */
const SUCCEED: PlannedOutcome = Object.freeze({ status: 'succeed' });

/**
 * How created tasks end: the request's `X-Kling-Mock` outcome first, then the prompt's markers, then the
 * `failNext` queue, else success. The one place that decides a task's fate, so a new way to choose it (a
 * seeded task) is added here rather than in the create route.
 */
export function createOutcomes() {
  const failQueue: string[] = [];
  return {
    /** Whether the prompt asks for the create itself to be refused (1301, nothing is created). */
    refusesPrompt: (prompt: string) => prompt.includes(PROMPT_MARKERS.reject),
    /**
     * How the next created task ends: as its request's `X-Kling-Mock` outcome directs, else as its prompt's
     * markers say, else by one entry of the `failNext` queue (the queue is left alone when the header decides).
     */
    planned(prompt: string, directed?: PlannedOutcome): PlannedOutcome {
      if (directed) return directed;
      const marked = markedOutcome(prompt);
      if (marked) return marked;
      const queued = failQueue.shift();
      return queued === undefined ? SUCCEED : { status: 'failed', message: queued };
    },
    /** Queues `count` failures with `message`; checks both first (RangeError naming the field). */
    failNext(count = 1, message = FAIL_NEXT_MESSAGE): void {
      checkNumber('count', count, CONTROL_RANGES.count);
      if (typeof message !== 'string' || message.length > CONTROL_LIMITS.messageChars) {
        throw new RangeError(
          `message must be a string of at most ${CONTROL_LIMITS.messageChars} characters; got ${describeValue(message)}`,
        );
      }
      checkPending('fail-next', failQueue.length, count);
      for (let i = 0; i < count; i++) failQueue.push(message);
    },
    /** How a seeded running task ends: as its prompt's markers say, else success (never the queue). */
    seeded: (prompt: string): PlannedOutcome => markedOutcome(prompt) ?? { status: 'succeed' },
    get pending() {
      return failQueue.length;
    },
    clear(): void {
      failQueue.length = 0;
    },
  };
}

export type Outcomes = ReturnType<typeof createOutcomes>;

/** The outcome a prompt's failure marker asks for, if it holds one. */
function markedOutcome(prompt: string): PlannedOutcome | undefined {
  if (prompt.includes(PROMPT_MARKERS.policy))
    return { status: 'failed', message: 'Failure to pass the risk control system' };
  if (prompt.includes(PROMPT_MARKERS.fail))
    return { status: 'failed', message: `Task failed as requested by ${PROMPT_MARKERS.fail}` };
  return undefined;
}

import { describe, expect, it } from 'vitest';
import { CONTROL_RANGES } from '../controls/control-bounds.js';
import { createOutcomes, PROMPT_MARKERS } from './outcomes.js';

describe('outcomes', () => {
  it('lets prompt markers decide before the failNext queue, which a marked prompt leaves untouched', () => {
    const outcomes = createOutcomes();
    outcomes.failNext(1, 'queued');
    expect(outcomes.planned(`a fox ${PROMPT_MARKERS.policy}`)).toEqual({
      status: 'failed',
      message: 'Failure to pass the risk control system',
    });
    expect(outcomes.planned(`a fox ${PROMPT_MARKERS.fail}`)).toMatchObject({ status: 'failed' });
    expect(outcomes.pending).toBe(1);
    expect(outcomes.planned('a fox')).toEqual({ status: 'failed', message: 'queued' });
    expect(outcomes.planned('a fox')).toEqual({ status: 'succeed' });
  });

  it('refuses only prompts with the reject marker', () => {
    const outcomes = createOutcomes();
    expect(outcomes.refusesPrompt(`x ${PROMPT_MARKERS.reject}`)).toBe(true);
    expect(outcomes.refusesPrompt(`x ${PROMPT_MARKERS.fail}`)).toBe(false);
  });

  it('queues failures in order, and clear forgets them', () => {
    const outcomes = createOutcomes();
    outcomes.failNext(2, 'first');
    outcomes.failNext(1, 'second');
    expect([outcomes.planned('p'), outcomes.planned('p'), outcomes.planned('p')]).toEqual([
      { status: 'failed', message: 'first' },
      { status: 'failed', message: 'first' },
      { status: 'failed', message: 'second' },
    ]);
    outcomes.failNext(3);
    outcomes.clear();
    expect(outcomes.planned('p')).toEqual({ status: 'succeed' });
  });

  it('checks count, message and the pending total before queueing anything', () => {
    const outcomes = createOutcomes();
    expect(() => outcomes.failNext(1.5)).toThrow(/count must be a whole number/);
    expect(() => outcomes.failNext(1, 'x'.repeat(1001))).toThrow(/message must be a string/);
    outcomes.failNext(CONTROL_RANGES.count.max);
    expect(() => outcomes.failNext(1)).toThrow(/fail-next already holds 10000/);
    expect(outcomes.pending).toBe(CONTROL_RANGES.count.max);
  });
});

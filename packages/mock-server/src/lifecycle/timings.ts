/** How long a task stays in each state, in mock-clock milliseconds. */
export interface Timings {
  /** From create (`submitted`) to `processing`. */
  processingAfterMs: number;
  /** From `processing` to the end, for the first image. */
  processingMs: number;
  /** Extra processing per further image. */
  perImageMs: number;
}

/**
 * `fast` (the default) keeps test suites quick; `realistic` feels like the platform in a demo: a second
 * in the queue and a few seconds of work (real tasks take minutes, which no demo wants).
 */
export const TIMING_PROFILES = {
  fast: { processingAfterMs: 10, processingMs: 40, perImageMs: 5 },
  realistic: { processingAfterMs: 1000, processingMs: 3000, perImageMs: 400 },
} as const satisfies Record<string, Timings>;

export type TimingProfile = keyof typeof TIMING_PROFILES;

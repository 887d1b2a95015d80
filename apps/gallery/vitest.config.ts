import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The e2e files each start a Chromium; one at a time is enough for a small machine.
    fileParallelism: false,
  },
});

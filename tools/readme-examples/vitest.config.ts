import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Only this tool's own tests: the README examples it writes to test-output/ are run by their own vitest.
  test: { include: ['test/**/*.test.ts'] },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The install reaches the npm registry: its hook gets a generous bound, a net against a hung install.
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 240_000 },
});

import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * min+gzip budget of the browser entry, openapi-fetch (2.6 kB of it) included. Issue 4 aims at 6 kB; the
 * entry measures 6.5 kB today (see packages/client/README.md), so this guard sits just above that until the
 * workflows are slimmed, and catches any growth meanwhile.
 */
const BUDGET_BYTES = 6.75 * 1024;

describe('the browser entry', () => {
  it('bundles for the browser without Node built-ins and stays within its size budget', async () => {
    const result = await build({
      entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.contents ?? new Uint8Array();
    const gzipped = gzipSync(code).byteLength;
    console.log(`browser bundle: ${code.byteLength} B min, ${gzipped} B min+gzip (budget ${BUDGET_BYTES} B)`);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});

import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * min+gzip budgets of the browser entry, openapi-fetch (2.6 kB of it) included, built the way a browser
 * app's bundler builds it: with code splitting, so the key-pair signer (a dynamic import) is its own chunk,
 * fetched only by pages that sign tokens themselves. Issue 4's budget for the entry is 6 kB, read as
 * 6,000 B (its "about 2.6 kB" for openapi-fetch's 2,599 B counts kB as 1,000 B); see tools/bench/README.md.
 */
// Issue 14 raised it from 6,000 B by what its features cost in the entry (connection errors that say where
// and why, the pure retry decision, refusing mixed credentials, withOptions); each one's share, and why no
// equal saving was found, are in tools/bench/README.md. It stays exact: 0 B headroom.
const ENTRY_BUDGET_BYTES = 6495;
const SIGNER_BUDGET_BYTES = 640;

async function bundleForBrowsers() {
  const result = await build({
    entryPoints: { index: new URL('../src/index.ts', import.meta.url).pathname },
    bundle: true,
    splitting: true,
    outdir: 'browser-bundle', // nothing is written; esbuild needs it to name the chunks
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles.map((file) => ({
    name: file.path.slice(file.path.lastIndexOf('/') + 1),
    text: file.text,
    gzipped: gzipSync(file.contents).byteLength,
  }));
}

describe('the browser entry', () => {
  it('bundles without Node built-ins and stays within its size budget; the signer loads on demand', async () => {
    const chunks = await bundleForBrowsers();
    for (const chunk of chunks) console.log(`browser bundle: ${chunk.name} ${chunk.gzipped} B min+gzip`);
    const entry = chunks.find((chunk) => chunk.name === 'index.js');
    const signer = chunks.find((chunk) => chunk.name.startsWith('jwt-signer-'));
    // Two chunks and no third: a module shared by both would be a chunk every page loads, uncounted here.
    expect(chunks.map((chunk) => chunk.name.replace(/-\w+\.js$/, ''))).toEqual(['index.js', 'jwt-signer']);
    expect(entry?.text).not.toContain('crypto.subtle');
    expect(signer?.text).toContain('crypto.subtle');
    expect(entry?.gzipped).toBeLessThanOrEqual(ENTRY_BUDGET_BYTES);
    expect(signer?.gzipped).toBeLessThanOrEqual(SIGNER_BUDGET_BYTES);
  });
});

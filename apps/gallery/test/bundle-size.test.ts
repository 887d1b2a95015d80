import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

/**
 * The page's main chunk, gzipped as vite reports it. Its form choices come from the client's generated
 * enums (`@klingkit/client/spec-facts`): importing the bundled spec for them would ship the whole document.
 */
const MAIN_CHUNK_BUDGET_BYTES = 10_000;
const root = fileURLToPath(new URL('..', import.meta.url));

describe('the gallery build', () => {
  it(`keeps its main chunk within ${MAIN_CHUNK_BUDGET_BYTES} B gzip and carries no spec document`, async () => {
    // Built here, in memory, from the current sources: a stale dist/ cannot pass for it.
    const output = (await build({
      root,
      logLevel: 'silent',
      build: { write: false },
    })) as Rollup.RollupOutput;
    const main = output.output.find(
      (item): item is Rollup.OutputChunk => item.type === 'chunk' && item.isEntry,
    );
    expect(main).toBeDefined();
    const gzipped = gzipSync(main?.code ?? '').byteLength;
    console.log(`gallery main chunk: ${main?.fileName} ${gzipped} B gzip`);
    // Marks of the spec document (however the bundler writes its keys): operations and the rules' extension.
    expect(main?.code).not.toContain('createImageGenerationTask');
    expect(main?.code).not.toContain('x-kling-rule');
    expect(gzipped).toBeLessThanOrEqual(MAIN_CHUNK_BUDGET_BYTES);
  });
});

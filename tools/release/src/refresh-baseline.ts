#!/usr/bin/env node
/** `node tools/release/dist/refresh-baseline.js`: run by `pnpm version-packages` only; see baseline.ts. */
import { parseArgs } from 'node:util';
import { refreshBaseline } from './baseline.js';
import { BASELINE, findRoot } from './repo.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { root: { type: 'string' } }, strict: true });
  const root = findRoot(values.root ?? process.cwd());
  const { changed, version } = await refreshBaseline(root);
  console.log(
    changed
      ? `spec baseline refreshed: ${BASELINE} is now the spec as released in @klingkit/spec ${version}.`
      : `spec baseline unchanged: ${BASELINE} already is the spec of @klingkit/spec ${version}.`,
  );
}

main().catch((error: unknown) => {
  console.error(`refresh-baseline: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { staleDiff } from '../scripts/stale-diff.mjs';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

/**
 * The committed generated `file` is marked as generated and is exactly what `generate` makes from the current
 * bundled spec; a failure shows the lines that differ, as `codegen --check` prints them in CI.
 */
export async function expectFresh(file: string, generate: () => Promise<string>): Promise<void> {
  const committed = await readFile(file, 'utf8');
  expect(committed.startsWith('/**\n * GENERATED FILE - DO NOT EDIT BY HAND.')).toBe(true);
  expect(staleDiff(committed, await generate(), { label: relative(PACKAGE, file) })).toBe('');
}

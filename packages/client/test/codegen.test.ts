import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSchemaSource, schemaFile } from '../scripts/codegen.mjs';

describe('generated types', () => {
  it('match what the current bundled spec generates (run `pnpm --filter @klingkit/client codegen`)', async () => {
    const committed = await readFile(schemaFile, 'utf8');
    expect(committed.startsWith('/**\n * GENERATED FILE - DO NOT EDIT BY HAND.')).toBe(true);
    // Compared as strings, so a failure prints the hunks that differ (- generated now, + committed).
    expect(committed, 'src/generated/schema.ts is stale').toBe(await generateSchemaSource());
  });
});

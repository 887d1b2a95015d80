import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { errorCodesFile, generateErrorCodesSource } from '../scripts/codegen-error-codes.mjs';
import { describeErrorCode, KLING_ERROR_CODES } from '../src/core/errors.js';
import { ERROR_CODE_STATUSES } from '../src/generated/error-codes.js';
import { expectFresh } from './fresh.js';

const require = createRequire(import.meta.url);
const spec = require('@klingkit/spec/openapi.json') as Record<string, unknown>;

/** `value` with every local `$ref` replaced by what it points at (the bundle's refs form no cycle here). */
function dereference(value: unknown, depth = 0): unknown {
  if (depth > 50) throw new Error('reference too deep');
  if (Array.isArray(value)) return value.map((item) => dereference(item, depth + 1));
  if (!value || typeof value !== 'object') return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], spec);
    return dereference(target, depth + 1);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, dereference(item, depth + 1)]));
}

/** Every `enum` of a property named `code`, anywhere inside `node`. */
function codeEnums(node: unknown): number[] {
  if (!node || typeof node !== 'object') return [];
  const own = Object.entries(node).flatMap(([key, item]) =>
    key === 'code' && item && typeof item === 'object' && Array.isArray((item as { enum?: unknown }).enum)
      ? ((item as { enum: number[] }).enum ?? [])
      : [],
  );
  return [...own, ...Object.values(node).flatMap(codeEnums)];
}

/**
 * The spec's (code, status) pairs, read independently of the generator: every response of every operation,
 * fully dereferenced, searched for `code` enums at any depth.
 */
function declaredPairs(): Set<string> {
  const pairs = new Set<string>();
  for (const operations of Object.values(spec.paths as Record<string, Record<string, unknown>>)) {
    for (const operation of Object.values(operations)) {
      const responses = (operation as { responses?: Record<string, unknown> }).responses ?? {};
      for (const [status, response] of Object.entries(responses)) {
        if (status.startsWith('2')) continue;
        for (const code of codeEnums(dereference(response))) pairs.add(`${code} ${status}`);
      }
    }
  }
  return pairs;
}

describe('the error-code table', () => {
  it('is what the current bundled spec generates (run `pnpm --filter @klingkit/client codegen`)', async () => {
    await expectFresh(errorCodesFile, generateErrorCodesSource);
  });

  it('holds every code and status the spec declares on an error response, and nothing else', () => {
    const table = new Set(
      Object.entries(ERROR_CODE_STATUSES).flatMap(([code, statuses]) =>
        statuses.map((status) => `${code} ${status}`),
      ),
    );
    const spec = declaredPairs();
    expect(spec.size).toBeGreaterThan(20);
    // Both directions, each named: a pair the spec has and the table lacks, and the reverse.
    expect([...spec].filter((pair) => !table.has(pair))).toEqual([]);
    expect([...table].filter((pair) => !spec.has(pair))).toEqual([]);
  });

  it('classifies each code by the lowest status the spec declares for it (1200 is also declared under 413)', () => {
    expect(ERROR_CODE_STATUSES[1200]).toEqual([400, 413]);
    expect(KLING_ERROR_CODES[1200]).toEqual({ httpStatus: 400, category: 'params', retryable: false });
    expect(describeErrorCode(1200, 413)).toMatchObject({ category: 'params', retryable: false });
    expect(Object.keys(KLING_ERROR_CODES)).toEqual(Object.keys(ERROR_CODE_STATUSES));
  });
});

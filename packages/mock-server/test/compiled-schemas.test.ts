import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPILED_SCHEMAS_FILE,
  compileSchemas,
  LIST_PARAMETERS,
  loadCompiledSchemas,
  REQUEST_SCHEMAS,
} from '../src/validation/compiled-schemas.js';
import { loadSpec, specSha256 } from '../src/validation/spec.js';
import { builtSchemas } from './fixtures/schemas.js';

const spec = loadSpec();
const runtime = compileSchemas(spec, specSha256());
const built = builtSchemas();
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000) / 4;

/** The spec's own request examples, and the names of every field the request schemas know. */
const examples = Object.values(
  (spec as unknown as { components: { examples: Record<string, { value?: unknown }> } }).components.examples,
)
  .map((example) => example.value)
  .filter(
    (value): value is Record<string, unknown> =>
      typeof value === 'object' && value !== null && 'prompt' in value,
  );
const fieldNames = [
  ...new Set(
    Object.values(REQUEST_SCHEMAS).flatMap((name) =>
      Object.keys((spec.components.schemas[name] as { properties: object }).properties),
    ),
  ),
];

/** Bodies near valid ones (examples with fields changed, added or dropped) and anything at all. */
const body = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...examples),
      fc.dictionary(fc.constantFrom(...fieldNames, 'extra'), fc.anything(), { maxKeys: 3 }),
      fc.subarray(fieldNames),
    )
    .map(([example, changes, dropped]) => {
      const next: Record<string, unknown> = { ...example, ...changes };
      for (const field of dropped) delete next[field];
      return next;
    }),
  fc.dictionary(fc.constantFrom(...fieldNames), fc.anything(), { maxKeys: 6 }),
  fc.anything(),
);

/** What a validator says of a value: valid or not, and its errors as Ajv reports them. */
function verdict(validate: (value: unknown) => boolean | Promise<unknown>, value: unknown) {
  const valid = validate(value);
  return { valid, errors: (validate as { errors?: unknown }).errors ?? null };
}

describe('standalone validators (written by the build) and runtime-compiled ones', () => {
  it('hold the same validators', () => {
    expect(Object.keys(built.check).sort()).toEqual(Object.keys(runtime.check).sort());
    expect(Object.keys(built.explain).sort()).toEqual(Object.keys(runtime.explain).sort());
    expect(Object.keys(runtime.check).sort()).toEqual(
      [...Object.values(REQUEST_SCHEMAS), ...LIST_PARAMETERS].sort(),
    );
    expect(built.specSha256).toBe(specSha256());
  });

  it('judge every body alike, errors and all: the spec examples, changed, and anything at all', () => {
    for (const example of examples) {
      expect(Object.values(REQUEST_SCHEMAS).some((name) => runtime.check[name]?.(example))).toBe(true);
    }
    fc.assert(
      fc.property(body, (value) => {
        for (const name of Object.values(REQUEST_SCHEMAS)) {
          for (const set of ['check', 'explain'] as const) {
            expect(verdict(built[set][name] as never, value)).toEqual(
              verdict(runtime[set][name] as never, value),
            );
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('judge every list parameter alike', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string(), fc.double(), fc.anything()), (value) => {
        for (const name of LIST_PARAMETERS)
          expect(verdict(built.check[name] as never, value)).toEqual(
            verdict(runtime.check[name] as never, value),
          );
      }),
      { numRuns: RUNS },
    );
  });

  it('are used only when compiled from the very spec text in use; otherwise the mock compiles its own', () => {
    // From the sources (no build output next to the module) the validators are compiled at start-up.
    const fromSource = loadCompiledSchemas(spec, specSha256());
    expect(fromSource.specSha256).toBe(specSha256());
    expect(typeof fromSource.check.PageSize).toBe('function');
    // The build's file records the spec it came from; the loader compares before it trusts it.
    expect(standaloneHeader()).toContain(`exports.specSha256 = "${specSha256()}";`);
  });
});

const execFileAsync = promisify(execFile);
const DIST = new URL('../dist/', import.meta.url);

/** The first lines of the build's standalone module. */
function standaloneHeader(): string {
  const file = new URL(`validation/${COMPILED_SCHEMAS_FILE}`, DIST);
  expect(existsSync(file), 'run the build first: pnpm --filter @klingkit/mock-server build').toBe(true);
  return readFileSync(file, 'utf8').slice(0, 400);
}

describe('a mock started from the build', () => {
  it('answers its first request without compiling a schema, and without loading the PNG encoder', async () => {
    // A fresh process, as a test worker's first import is: which modules did the first answer load?
    const script = `
      import { createRequire } from 'node:module';
      const { createMockServer } = await import(${JSON.stringify(new URL('index.js', DIST).href)});
      const mock = createMockServer({ apiKeys: ['cold-start-key'] });
      const answer = await mock.fetch(new Request('http://kling.cold/v1/images/generations', {
        method: 'POST',
        headers: { authorization: 'Bearer cold-start-key', 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'cold', n: 2 }),
      }));
      const invalid = await mock.fetch(new Request('http://kling.cold/v1/images/generations', {
        method: 'POST',
        headers: { authorization: 'Bearer cold-start-key', 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'cold', n: 12 }),
      }));
      await mock.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({
        statuses: [answer.status, invalid.status],
        message: (await invalid.json()).message,
        loaded: loaded.filter((path) => /node_modules/.test(path)).map((path) => path.replace(/.*node_modules\\//, '')),
      }));
    `;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script]);
    const { statuses, message, loaded } = JSON.parse(stdout) as {
      statuses: number[];
      message: string;
      loaded: string[];
    };
    expect(statuses).toEqual([200, 400]);
    expect(message).toBe('Invalid parameter n: must be from 1 to 9; got 12');
    expect(loaded.some((path) => path.includes('ajv/dist/runtime/'))).toBe(true);
    expect(loaded.filter((path) => /ajv\/dist\/(core|compile|2020)|\/pngjs\//.test(path))).toEqual([]);
  });
});

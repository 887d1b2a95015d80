import { checkResponse } from '@klingkit/spec/conformance';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockServer, type MockServer } from '../src/index.js';
import { loadSpec } from '../src/validation/spec.js';
import { pngOf } from './fixtures/images.js';

/**
 * Property-based fuzzing of the create operations (the only ones with bodies) and the list query, in-process.
 * FUZZ_RUNS sets the total number of cases (default 10,000). A failure prints fast-check's seed and the
 * shrunk case; replay it with FUZZ_SEED=<seed>.
 */
const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const params = (share: number) => ({
  numRuns: Math.max(1, Math.round(TOTAL_RUNS * share)),
  ...(seed !== undefined && { seed }),
});

const spec = loadSpec();
const properties = (name: string) =>
  (spec.components.schemas[name] as { properties: Record<string, { enum?: string[] }> }).properties;
const generationsFields = properties('ImageGenerationCreateRequest');
const omniFields = properties('OmniImageCreateRequest');
const enumOf = (fields: Record<string, { enum?: string[] }>, field: string) =>
  fc.constantFrom(...(fields[field]?.enum ?? []));

let mock: MockServer;
let authorization: string;
beforeAll(async () => {
  mock = createMockServer({ limits: { concurrency: 1_000_000_000 }, maxBodyBytes: 1024 * 1024 });
  const now = Math.floor(Date.now() / 1000);
  authorization = `Bearer ${await new SignJWT({ iss: 'demo-access-key', exp: now + 3600 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode('demo-secret-key'))}`;
});
afterAll(() => mock.close());

const PATHS = { generations: '/v1/images/generations', omni: '/v1/images/omni-image' } as const;

async function send(path: string, body: string, contentType = 'application/json') {
  const response = await mock.fetch(
    new Request(`http://kling.fuzz${path}`, {
      method: 'POST',
      body,
      headers: { authorization, 'content-type': contentType },
    }),
  );
  const text = await response.text();
  let json: { code?: number; message?: string } | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function get(path: string, headers: Record<string, string> = { authorization }) {
  const response = await mock.fetch(new Request(`http://kling.fuzz${path}`, { headers }));
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as { code?: number; message?: string }, text };
}

const family = fc.constantFrom('generations' as const, 'omni' as const);

/** What every answer must satisfy, whatever was sent. */
function expectSound(path: string, answer: Awaited<ReturnType<typeof send>>) {
  expect(answer.status, answer.text).toBeLessThan(500);
  expect(answer.json, answer.text).toBeDefined();
  expect(checkResponse('POST', path, answer.status, answer.json)).toBeUndefined();
}

const validGenerations = fc.record(
  {
    prompt: fc.string({ minLength: 1, maxLength: 200 }),
    model_name: enumOf(generationsFields, 'model_name'),
    n: fc.integer({ min: 1, max: 9 }),
    aspect_ratio: enumOf(generationsFields, 'aspect_ratio'),
    resolution: enumOf(generationsFields, 'resolution'),
    negative_prompt: fc.string({ maxLength: 100 }),
    watermark_info: fc.record({ enabled: fc.boolean() }),
    element_list: fc.array(fc.record({ element_id: fc.integer({ min: 1 }) }), { maxLength: 10 }),
  },
  { requiredKeys: ['prompt'] },
);
const REFERENCE_IMAGES = ['https://img.example/ref.png', pngOf(400, 400).toString('base64')];
const validOmni = fc
  .record(
    {
      prompt: fc.string({ minLength: 1, maxLength: 200 }).filter((prompt) => !prompt.includes('<<<')),
      model_name: enumOf(omniFields, 'model_name'),
      n: fc.integer({ min: 1, max: 9 }),
      result_type: enumOf(omniFields, 'result_type'),
      series_amount: fc.integer({ min: 2, max: 9 }),
      image_list: fc.array(fc.record({ image: fc.constantFrom(...REFERENCE_IMAGES) }), { maxLength: 3 }),
      aspect_ratio: enumOf(omniFields, 'aspect_ratio'),
      resolution: enumOf(omniFields, 'resolution'),
      watermark_info: fc.record({ enabled: fc.boolean() }),
      external_task_id: fc.uuid(),
    },
    { requiredKeys: ['prompt'] },
  )
  // Templates may point past the end of image_list, which the mock must refuse by naming the field.
  .chain((body) =>
    fc
      .integer({ min: 0, max: (body.image_list?.length ?? 0) + 1 })
      .map((reference) =>
        reference === 0 ? body : { ...body, prompt: `${body.prompt} <<<image_${reference}>>>` },
      ),
  );

/** Invalid values for one field of a valid body; each must be refused naming that field. */
function mutationsOf(family: 'generations' | 'omni') {
  const fields = family === 'generations' ? generationsFields : omniFields;
  const wrongType = (names: string[], value: fc.Arbitrary<unknown>) =>
    fc.record({ kind: fc.constant('wrong type'), field: fc.constantFrom(...names), value });
  return fc.oneof(
    wrongType(
      ['prompt', 'aspect_ratio', 'watermark_info'],
      fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
    ),
    wrongType(
      family === 'generations' ? ['n', 'element_list'] : ['n', 'series_amount', 'element_list', 'image_list'],
      fc.oneof(
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.double({ min: 1.1, max: 8.9, noNaN: true }),
        fc.constant([{ element_id: 'x' }]),
      ),
    ),
    fc.record({
      kind: fc.constant('out of range'),
      field: fc.constant('n'),
      value: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 10 })),
    }),
    ...(family === 'omni'
      ? [
          fc.record({
            kind: fc.constant('out of range'),
            field: fc.constant('series_amount'),
            value: fc.oneof(fc.integer({ max: 1 }), fc.integer({ min: 10 })),
          }),
        ]
      : []),
    fc.record({
      kind: fc.constant('too long'),
      field: fc.constantFrom(...(family === 'generations' ? ['prompt', 'negative_prompt'] : ['prompt'])),
      value: fc.integer({ min: 2501, max: 4000 }).map((n) => 'x'.repeat(n)),
    }),
    fc.record({
      kind: fc.constant('unknown field'),
      field: fc
        .string({ minLength: 1, maxLength: 20 })
        .filter((name) => !(name in fields) && name !== '__proto__'),
      value: fc.jsonValue(),
    }),
    fc.record({
      kind: fc.constant('bad image'),
      field: fc.constant(family === 'generations' ? 'image' : 'image_list[0].image'),
      value: fc.oneof(
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.constant(`data:image/png;base64,${pngOf(400, 400).toString('base64')}`),
        fc.constant(pngOf(100, 400).toString('base64')),
        fc.constant(pngOf(1200, 300).toString('base64')),
        fc.constant(pngOf(400, 400).subarray(0, 80).toString('base64')),
      ),
    }),
    fc.record({
      kind: fc.constant('unknown model'),
      field: fc.constant('model_name'),
      value: fc
        .string({ minLength: 1, maxLength: 20 })
        .filter((m) => !(fields.model_name?.enum ?? []).includes(m)),
    }),
  );
}

/** Places a mutation into a valid body; images are inspected after the schema and rules pass, so keep those satisfied. */
function mutate(
  family: 'generations' | 'omni',
  body: Record<string, unknown>,
  mutation: { kind: string; field: string; value: unknown },
): Record<string, unknown> {
  if (mutation.kind !== 'bad image') return { ...body, [mutation.field]: mutation.value };
  if (family === 'generations') {
    const { negative_prompt: _, ...rest } = body;
    return { ...rest, image: mutation.value, model_name: 'kling-v2-1', aspect_ratio: '1:1' };
  }
  const { series_amount: _, ...rest } = body;
  return { ...rest, prompt: 'fuzz', result_type: 'single', image_list: [{ image: mutation.value }] };
}

describe('fuzzing every operation', () => {
  it('answers every schema-shaped request with 200 or a 400/1201 that names a field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          validGenerations.map((b) => ['generations', b] as const),
          validOmni.map((b) => ['omni', b] as const),
        ),
        async ([family, body]) => {
          const answer = await send(PATHS[family], JSON.stringify(body));
          expectSound(PATHS[family], answer);
          if (answer.status !== 200) {
            // Cross-field rules (e.g. 21:9 on the default model) may refuse a well-typed body; they must say which field.
            expect(answer.json?.code).toBe(1201);
            expect(answer.json?.message).toMatch(/^Invalid parameter \w+: /);
          }
        },
      ),
      params(0.25),
    );
  });

  it('refuses every invalid field with the right code and names the field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constant('generations' as const), validGenerations, mutationsOf('generations')),
          fc.tuple(fc.constant('omni' as const), validOmni, mutationsOf('omni')),
        ),
        async ([family, body, mutation]) => {
          const answer = await send(PATHS[family], JSON.stringify(mutate(family, body, mutation)));
          expectSound(PATHS[family], answer);
          expect(answer.status, answer.text).toBe(mutation.kind === 'unknown model' ? 404 : 400);
          expect(answer.json?.code).toBe(mutation.kind === 'unknown model' ? 1203 : 1201);
          expect(answer.json?.message).toContain(mutation.field);
        },
      ),
      params(0.35),
    );
  });

  it('refuses unreadable bodies and wrong content types with 1200', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .string({ maxLength: 200 })
            .filter((text) => {
              try {
                JSON.parse(text);
                return false;
              } catch {
                return true;
              }
            })
            .map((text) => [text, 'application/json'] as const),
          fc
            .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '')
            .map((type) => ['{"prompt":"x"}', type] as const),
        ),
        async ([body, contentType]) => {
          const answer = await send(PATHS.omni, body, contentType);
          expectSound(PATHS.omni, answer);
          expect(answer.status).toBe(400);
          expect(answer.json?.code).toBe(1200);
        },
      ),
      params(0.15),
    );
  });

  it('answers any list query with 200 or a 400/1201 naming the parameter', async () => {
    await fc.assert(
      fc.asyncProperty(
        family,
        fc.dictionary(
          fc.constantFrom('pageNum', 'pageSize', 'external_task_id', 'other'),
          fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.string({ maxLength: 400 })),
        ),
        async (family, query) => {
          const path = PATHS[family];
          const answer = await get(`${path}?${new URLSearchParams(query)}`);
          expect(answer.status, answer.text).toBeLessThan(500);
          expect(checkResponse('GET', path, answer.status, answer.json)).toBeUndefined();
          if (answer.status === 400)
            expect(answer.json?.message).toMatch(/query parameter (pageNum|pageSize|external_task_id)/);
        },
      ),
      params(0.1),
    );
  });

  it('answers any task id with the task or a declared 404/1203', async () => {
    await fc.assert(
      fc.asyncProperty(
        family,
        fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), fc.uuid(), fc.stringMatching(/^\d{1,30}$/)),
        async (family, id) => {
          const path = `${PATHS[family]}/${encodeURIComponent(id)}`;
          const answer = await get(path);
          expect(checkResponse('GET', path, answer.status, answer.json), answer.text).toBeUndefined();
          expect(answer.status, answer.text).toBe(404);
          expect(answer.json?.code).toBe(1203);
        },
      ),
      params(0.1),
    );
  });

  it('refuses garbage credentials and survives huge headers', async () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    });
    const credentials = fc.oneof(
      printable,
      printable.map((token) => `Bearer ${token}`),
      fc.integer({ min: 8_000, max: 64_000 }).map((size) => `Bearer ${'a'.repeat(size)}`),
      fc
        .tuple(fc.base64String(), fc.base64String(), fc.base64String())
        .map((parts) => `Bearer ${parts.join('.')}`),
    );
    const extraHeaders = fc.dictionary(
      fc.stringMatching(/^x-[a-z0-9-]{1,30}$/),
      fc.integer({ min: 0, max: 32_000 }).map((size) => 'v'.repeat(size)),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.option(credentials),
        fc.boolean(),
        extraHeaders,
        async (garbage, genuine, extra) => {
          const headers: Record<string, string> = { ...extra };
          if (genuine) headers.authorization = authorization;
          else if (garbage !== null) headers.authorization = garbage;
          const answer = await get(PATHS.omni, headers);
          expect(checkResponse('GET', PATHS.omni, answer.status, answer.json), answer.text).toBeUndefined();
          if (genuine) {
            expect(answer.status, answer.text).toBe(200);
          } else {
            expect(answer.status, answer.text).toBe(401);
            expect([1000, 1001, 1002, 1003, 1004]).toContain(answer.json?.code);
          }
        },
      ),
      params(0.05),
    );
  });
});

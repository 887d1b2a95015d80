import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';

// Reads the bundle `pnpm bundle` writes (turbo runs it before this test).
const spec = JSON.parse(readFileSync(new URL('../dist/openapi.json', import.meta.url), 'utf8'));
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
// Strict about examples: every property must be known (unevaluatedProperties), unlike Redocly's check.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'openapi.json');

type Operation = {
  operationId: string;
  responses: Record<string, unknown>;
  requestBody?: unknown;
  callbacks?: unknown;
};
const operations: [string, string, Operation][] = Object.entries(
  spec.paths as Record<string, Record<string, unknown>>,
).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => ['get', 'post'].includes(method))
    .map(([method, operation]) => [path, method, operation as Operation] as [string, string, Operation]),
);

/** Every media type with named examples, anywhere in the document, with a JSON pointer to it. */
function mediaTypesWithExamples(
  node: unknown,
  pointer = '',
): { pointer: string; examples: Record<string, { $ref?: string; value?: unknown }> }[] {
  if (typeof node !== 'object' || node === null) return [];
  const found: ReturnType<typeof mediaTypesWithExamples> = [];
  const record = node as Record<string, unknown>;
  if ('schema' in record && 'examples' in record) found.push({ pointer, examples: record.examples as never });
  for (const [key, value] of Object.entries(record)) {
    found.push(
      ...mediaTypesWithExamples(value, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`),
    );
  }
  return found;
}

function exampleValue(example: { $ref?: string; value?: unknown }): unknown {
  if (!example.$ref) return example.value;
  const name = example.$ref.split('/').pop() as string;
  return spec.components.examples[name].value;
}

describe('the bundled spec', () => {
  it("carries the spec package's version as info.version, in both bundles", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const yaml = readFileSync(new URL('../dist/openapi.yaml', import.meta.url), 'utf8');
    expect(spec.info.version).toBe(pkg.version);
    expect(yaml).toMatch(new RegExp(`^  version: ['"]?${pkg.version.replace(/\./g, '\\.')}['"]?$`, 'm'));
  });

  it('describes the six operations with stable operationIds and every error status', () => {
    expect(
      operations
        .map(([path, method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId}`)
        .sort(),
    ).toEqual([
      'GET /v1/images/generations listImageGenerationTasks',
      'GET /v1/images/generations/{id} getImageGenerationTask',
      'GET /v1/images/omni-image listOmniImageTasks',
      'GET /v1/images/omni-image/{id} getOmniImageTask',
      'POST /v1/images/generations createImageGenerationTask',
      'POST /v1/images/omni-image createOmniImageTask',
    ]);
    for (const [, method, operation] of operations) {
      const expected = [
        '200',
        '400',
        '401',
        '403',
        '404',
        ...(method === 'post' ? ['413'] : []),
        '429',
        '500',
        '503',
        '504',
      ];
      expect(Object.keys(operation.responses).sort()).toEqual(expected.sort());
      if (method === 'post') expect(operation.callbacks).toBeDefined();
    }
  });

  it('has examples that validate against their schemas (Ajv, independent of Redocly)', () => {
    const problems: string[] = [];
    let checked = 0;
    const mediaTypes = [
      ...mediaTypesWithExamples(spec.paths, '#/paths'),
      ...mediaTypesWithExamples(spec.components.responses, '#/components/responses'),
      ...mediaTypesWithExamples(spec.components.callbacks, '#/components/callbacks'),
    ];
    for (const { pointer, examples } of mediaTypes) {
      const validate = ajv.compile({ $ref: `openapi.json${pointer}/schema` });
      for (const [name, example] of Object.entries(examples)) {
        checked++;
        if (!validate(exampleValue(example)))
          problems.push(`${pointer} ${name}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    for (const [name, parameter] of Object.entries(
      spec.components.parameters as Record<
        string,
        { schema: object; examples: Record<string, { value: unknown }> }
      >,
    )) {
      const validate = ajv.compile(parameter.schema);
      for (const [example, { value }] of Object.entries(parameter.examples)) {
        checked++;
        if (!validate(value))
          problems.push(`parameter ${name} ${example}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('uses every named example', () => {
    const text =
      JSON.stringify(spec.paths) +
      JSON.stringify(spec.components.responses) +
      JSON.stringify(spec.components.callbacks);
    const unused = Object.keys(spec.components.examples).filter(
      (name) => !text.includes(`#/components/examples/${name}"`),
    );
    expect(unused).toEqual([]);
  });

  it('documents each cross-field rule with a unique id, the field it names and a message', () => {
    const entries: { id: string; field: string; message: string }[] = [];
    for (const name of ['ImageGenerationCreateRequest', 'OmniImageCreateRequest']) {
      const schema = spec.components.schemas[name];
      for (const part of schema.allOf) entries.push(part['x-kling-rule']);
      entries.push(...schema['x-kling-checks']);
    }
    for (const entry of entries) {
      expect(entry).toMatchObject({
        id: expect.stringMatching(/^[a-z0-9-]+$/),
        field: expect.any(String),
        message: expect.any(String),
      });
    }
    const ids = entries.map((entry) => entry.id);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index && id !== 'reference-cap')).toEqual([]);
  });
});

describe('cross-field rules, enforced by any JSON Schema validator', () => {
  const generations = ajv.compile({ $ref: 'openapi.json#/components/schemas/ImageGenerationCreateRequest' });
  const omni = ajv.compile({ $ref: 'openapi.json#/components/schemas/OmniImageCreateRequest' });
  const image = 'https://example.org/ref.png';

  it.each([
    [
      'negative_prompt with image',
      { prompt: 'x', image, negative_prompt: 'y' },
      { prompt: 'x', negative_prompt: 'y' },
    ],
    [
      'kling-v1-5 image without image_reference',
      { prompt: 'x', model_name: 'kling-v1-5', image },
      { prompt: 'x', model_name: 'kling-v1-5', image, image_reference: 'face' },
    ],
    [
      'image_reference without image',
      { prompt: 'x', image_reference: 'subject' },
      { prompt: 'x', image, image_reference: 'subject' },
    ],
    [
      'image_fidelity on kling-v2',
      { prompt: 'x', model_name: 'kling-v2', image_fidelity: 0.5 },
      { prompt: 'x', image_fidelity: 0.5 },
    ],
    [
      'human_fidelity without subject on kling-v1-5',
      { prompt: 'x', model_name: 'kling-v1-5', image, image_reference: 'face', human_fidelity: 0.4 },
      { prompt: 'x', model_name: 'kling-v1-5', image, image_reference: 'subject', human_fidelity: 0.4 },
    ],
    [
      '21:9 on the default model',
      { prompt: 'x', aspect_ratio: '21:9' },
      { prompt: 'x', aspect_ratio: '21:9', model_name: 'kling-v2' },
    ],
  ])('Image Generation: %s', (_rule, invalid, valid) => {
    expect(generations(invalid)).toBe(false);
    expect(generations(valid)).toBe(true);
  });

  it.each([
    [
      'n with series',
      { prompt: 'x', result_type: 'series', n: 2 },
      { prompt: 'x', result_type: 'series', series_amount: 2 },
    ],
    ['series_amount without series', { prompt: 'x', series_amount: 3 }, { prompt: 'x', n: 3 }],
  ])('Omni-Image: %s', (_rule, invalid, valid) => {
    expect(omni(invalid)).toBe(false);
    expect(omni(valid)).toBe(true);
  });
});

describe('watermark_info: optional in requests, echoed whole on tasks', () => {
  const requests = {
    ImageGenerationCreateRequest: ajv.compile({
      $ref: 'openapi.json#/components/schemas/ImageGenerationCreateRequest',
    }),
    OmniImageCreateRequest: ajv.compile({ $ref: 'openapi.json#/components/schemas/OmniImageCreateRequest' }),
  };
  const task = { task_id: '1', task_status: 'succeed', created_at: 1, updated_at: 2 };

  it.each(Object.keys(requests))(
    '%s accepts watermark_info without enabled, and refuses other keys',
    (name) => {
      const validate = requests[name as keyof typeof requests];
      for (const watermark_info of [{}, { enabled: false }, { enabled: true }])
        expect(validate({ prompt: 'x', watermark_info }), JSON.stringify(watermark_info)).toBe(true);
      expect(validate({ prompt: 'x', watermark_info: { enabled: 'yes' } })).toBe(false);
      expect(validate({ prompt: 'x', watermark_info: { enabled: true, image: 'logo.png' } })).toBe(false);
    },
  );

  it('says what an omitted enabled means: its default, false, which the description states', () => {
    const schema = spec.components.schemas.WatermarkInfoRequest;
    expect(schema.required ?? []).not.toContain('enabled');
    expect(schema.properties.enabled.default).toBe(false);
    expect(schema.description).toContain('`watermark_info: {}`');
  });

  it('keeps enabled required on the task echo, in both families', () => {
    for (const name of ['ImageGenerationTask', 'OmniImageTask']) {
      const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
      expect(validate({ ...task, watermark_info: { enabled: false } }), name).toBe(true);
      expect(validate({ ...task, watermark_info: {} }), name).toBe(false);
    }
  });
});

describe('the info block', () => {
  it('names no project home: klingkit has no public repository yet, so the spec invents none', () => {
    expect(spec.info.contact?.url).toBeUndefined();
    expect(JSON.stringify(spec)).not.toMatch(/github\.com\/klingkit/i);
  });
});

describe('task objects are bounded by the spec, so every validator refuses a hostile one', () => {
  const omniTask = ajv.compile({ $ref: 'openapi.json#/components/schemas/OmniImageTask' });
  const generationsTask = ajv.compile({ $ref: 'openapi.json#/components/schemas/ImageGenerationTask' });
  const image = { index: 0, url: 'https://cdn.example/0.png' };
  const task = {
    task_id: 'CjMT7WdSwWcAAAAAALvB3g',
    task_status: 'succeed',
    task_status_msg: '',
    task_info: { external_task_id: '' },
    created_at: 1,
    updated_at: 2,
    task_result: { result_type: 'series', series_images: [image] },
  };
  const withImage = (fields: object) => ({
    ...task,
    task_result: { result_type: 'series', series_images: [{ ...image, ...fields }] },
  });

  it('accepts real-looking tasks: numeric and base64 ids, http(s) URLs, 9 images', () => {
    expect(omniTask(task)).toBe(true);
    expect(omniTask({ ...task, task_id: '867283741759111202' })).toBe(true);
    expect(omniTask({ ...task, task_id: 'a+b/c==' })).toBe(true);
    expect(omniTask(withImage({ url: 'http://127.0.0.1:4010/__mock/images/1/0.png' }))).toBe(true);
    expect(
      generationsTask({ ...task, task_result: { images: Array.from({ length: 9 }, () => image) } }),
    ).toBe(true);
  });

  it.each([
    ['a task id that climbs out of a folder', { ...task, task_id: '../../../x' }],
    ['a task id with a space', { ...task, task_id: 'a b' }],
    ['a task id of 129 characters', { ...task, task_id: 'x'.repeat(129) }],
    ['an empty task id', { ...task, task_id: '' }],
    ['a javascript: URL', withImage({ url: 'javascript:alert(1)' })],
    ['a data: URL', withImage({ url: 'data:image/png;base64,AAAA' })],
    ['a file: URL', withImage({ watermark_url: 'file:///etc/passwd' })],
    ['a URL of 4097 characters', withImage({ url: `https://x/${'a'.repeat(4087)}` })],
    [
      '10 series images',
      { ...task, task_result: { result_type: 'series', series_images: Array(10).fill(image) } },
    ],
    ['a status message of 4097 characters', { ...task, task_status_msg: 'x'.repeat(4097) }],
    ['an external id of 257 characters', { ...task, task_info: { external_task_id: 'x'.repeat(257) } }],
    ['an image id of 257 characters', withImage({ id: 'x'.repeat(257) })],
  ])('refuses %s', (_name, hostile) => {
    expect(omniTask(hostile)).toBe(false);
  });

  it('refuses more than 9 Image Generation results (n is at most 9)', () => {
    expect(generationsTask({ ...task, task_result: { images: Array(10).fill(image) } })).toBe(false);
  });
});

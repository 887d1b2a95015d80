import { readdir, readFile } from 'node:fs/promises';
import spec from '@klingkit/spec/openapi.json' with { type: 'json' };
import { describe, expect, expectTypeOf, it } from 'vitest';
import { requestEnums as deriveEnums, enumsFile, generateEnumsSource } from '../scripts/codegen-enums.mjs';
import type { components } from '../src/generated/schema.js';
import type { CreateRequestOf, TaskFamily, TaskOf } from '../src/index.js';
import { FAMILY_PATHS } from '../src/lib/tasks.js';
import { REQUEST_ENUMS, type RequestEnumsOf, requestEnums, TASK_SCHEMAS } from '../src/spec-facts/index.js';
import { expectFresh } from './fresh.js';

type Spec = typeof spec;
type Node = { $ref?: string; [key: string]: unknown };
const schemas = spec.components.schemas as Record<string, Node>;
const named = (node: Node | undefined) => node?.$ref?.replace('#/components/schemas/', '');
const families = Object.keys(TASK_SCHEMAS) as TaskFamily[];

describe('the generated request enums (src/generated/enums.ts)', () => {
  it('match what the current bundled spec generates (run `pnpm --filter @klingkit/client codegen`)', async () => {
    await expectFresh(enumsFile, generateEnumsSource);
  });

  it('are read from the spec: a changed enum or default, a new enum field, a dropped one all show', () => {
    const edited = structuredClone(spec) as Spec & { components: { schemas: Record<string, Node> } };
    const omni = edited.components.schemas.OmniImageCreateRequest as unknown as {
      properties: Record<string, { enum?: string[]; default?: string; type?: string }>;
    };
    omni.properties.aspect_ratio = { ...omni.properties.aspect_ratio, enum: ['1:1', '5:4'], default: '5:4' };
    omni.properties.style = { type: 'string', enum: ['photo', 'anime'] };
    delete omni.properties.result_type;

    const derived = deriveEnums(edited).OmniImageCreateRequest;
    expect(derived?.aspect_ratio).toEqual({ values: ['1:1', '5:4'], default: '5:4' });
    expect(derived?.style).toEqual({ values: ['photo', 'anime'] });
    expect(derived).not.toHaveProperty('result_type');
    // Unchanged parts come through as they are in the spec.
    const model = (schemas.ImageGenerationCreateRequest?.properties as Record<string, Node> | undefined)
      ?.model_name;
    expect(deriveEnums(spec).ImageGenerationCreateRequest?.model_name).toEqual({
      values: model?.enum,
      default: model?.default,
    });
  });

  it('refuse a request body the generator cannot name', () => {
    const edited = structuredClone(spec) as unknown as {
      paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    };
    const post = edited.paths['/v1/images/generations']?.post;
    if (post) post.requestBody.content['application/json'] = { schema: { type: 'object' } };
    expect(() => deriveEnums(edited)).toThrow(/POST \/v1\/images\/generations: the request body is no \$ref/);
  });

  it('type each field as the generated request type does', () => {
    expectTypeOf<RequestEnumsOf<'omni'>['aspect_ratio']['values'][number]>().toEqualTypeOf<
      NonNullable<CreateRequestOf<'omni'>['aspect_ratio']>
    >();
    expectTypeOf<RequestEnumsOf<'generations'>['model_name']['values'][number]>().toEqualTypeOf<
      NonNullable<CreateRequestOf<'generations'>['model_name']>
    >();
    expectTypeOf<RequestEnumsOf<'omni'>['result_type']['default']>().toExtend<
      NonNullable<CreateRequestOf<'omni'>['result_type']>
    >();
    expect(requestEnums('omni')).toBe(REQUEST_ENUMS.OmniImageCreateRequest);
    expect(requestEnums('generations')).toEqual(deriveEnums(spec).ImageGenerationCreateRequest);
  });
});

describe('TASK_SCHEMAS, the one map from family to schema names', () => {
  it.each(families)("names the schemas the spec's paths use for %s", (family) => {
    const paths = spec.paths as unknown as Record<string, Record<string, Record<string, unknown>>>;
    const path = FAMILY_PATHS[family];
    const create = paths[path]?.post as {
      requestBody: { content: Record<string, { schema: Node }> };
      callbacks: Record<string, Node>;
    };
    expect(named(create.requestBody.content['application/json']?.schema)).toBe(TASK_SCHEMAS[family].request);

    // GET {path}/{id} answers the envelope; its `data` is the task.
    const get = paths[`${path}/{id}`]?.get as {
      responses: Record<string, { content: Record<string, { schema: Node }> }>;
    };
    const envelope = schemas[named(get.responses['200']?.content['application/json']?.schema) ?? ''];
    const data = ((envelope?.allOf ?? []) as { properties?: { data?: Node } }[]).find(
      (part) => part.properties?.data,
    )?.properties?.data;
    expect(named(data)).toBe(TASK_SCHEMAS[family].task);

    // The create's callback posts the same task object.
    const callbacks = spec.components.callbacks as Record<string, Record<string, Record<string, unknown>>>;
    const callback = callbacks[(create.callbacks.taskStatusChanged?.$ref ?? '').split('/').pop() ?? ''];
    const body = Object.values(callback ?? {})[0]?.post as {
      requestBody: { content: Record<string, { schema: Node }> };
    };
    expect(named(body.requestBody.content['application/json']?.schema)).toBe(TASK_SCHEMAS[family].task);
  });

  it('is the table the family types are made of', () => {
    expectTypeOf<TaskOf<'generations'>>().toEqualTypeOf<
      components['schemas'][(typeof TASK_SCHEMAS)['generations']['task']]
    >();
    expectTypeOf<TaskOf<'omni'>>().toEqualTypeOf<
      components['schemas'][(typeof TASK_SCHEMAS)['omni']['task']]
    >();
    expectTypeOf<CreateRequestOf<'generations'>>().toEqualTypeOf<
      components['schemas'][(typeof TASK_SCHEMAS)['generations']['request']]
    >();
    expectTypeOf<CreateRequestOf<'omni'>>().toEqualTypeOf<
      components['schemas'][(typeof TASK_SCHEMAS)['omni']['request']]
    >();
    expectTypeOf<keyof typeof TASK_SCHEMAS>().toEqualTypeOf<TaskFamily>();
  });
});

describe('the workspace spells no family schema name but TASK_SCHEMAS', () => {
  it('has no other source that names one as a string (type lookups such as `schemas["X"]` aside)', async () => {
    const root = new URL('../../../', import.meta.url);
    const names = Object.values(TASK_SCHEMAS).flatMap(({ request, task }) => [request, task]);
    // A quoted name not right after `[`: `components['schemas']['OmniImageTask']` is a type, not a table.
    const spelled = new RegExp(`(?<!\\[)(['"])(${names.join('|')})\\1`);
    const found: string[] = [];
    for (const dir of [
      'packages/client/src',
      'packages/mock-server/src',
      'apps/cli/src',
      'apps/gallery/src',
    ]) {
      const files = await readdir(new URL(dir, root), { recursive: true });
      for (const file of files.filter((name) => /\.ts$/.test(name) && !/\.test\.ts$/.test(name))) {
        const path = `${dir}/${file}`;
        if (/\/(generated|spec-facts)\//.test(path)) continue;
        const text = await readFile(new URL(path, root), 'utf8');
        for (const [index, line] of text.split('\n').entries())
          if (spelled.test(line)) found.push(`${path}:${index + 1}: ${line.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });
});

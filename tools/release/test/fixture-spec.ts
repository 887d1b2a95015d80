/**
 * A small spec shaped like klingkit's (a create with a closed request body, cross-field rules in allOf,
 * x-kling-checks and x-kling-image, an enveloped answer, a list with a shared query parameter, a
 * callback, bearer security), so each rule's fixture is one small edit of it.
 */
export function fixtureSpec() {
  return {
    openapi: '3.1.0',
    info: { title: 'Fixture', version: '1.0.0', description: 'Things.' },
    servers: [{ url: 'https://api.example.test' }],
    security: [{ bearerAuth: [] as string[] }],
    paths: {
      '/v1/things': {
        post: {
          operationId: 'createThing',
          summary: 'Create a thing',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateThing' } } },
          },
          responses: {
            '200': {
              description: 'Created',
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/ThingResponse' },
                  examples: { created: { $ref: '#/components/examples/Created' } },
                },
              },
            },
            '400': { $ref: '#/components/responses/BadRequest' },
            '413': { $ref: '#/components/responses/BadRequest' },
          } as Record<string, unknown>,
          callbacks: { statusChanged: { $ref: '#/components/callbacks/ThingStatus' } },
        } as Record<string, unknown>,
        get: {
          operationId: 'listThings',
          parameters: [{ $ref: '#/components/parameters/PageSize' }] as unknown[],
          responses: {
            '200': {
              description: 'A page',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingListResponse' } } },
            },
          },
        } as Record<string, unknown>,
      } as Record<string, unknown>,
      '/v1/things/{id}': {
        get: {
          operationId: 'getThing',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The thing',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingResponse' } } },
            },
          },
        } as Record<string, unknown>,
      } as Record<string, unknown>,
    } as Record<string, Record<string, unknown>>,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT.' },
      } as Record<string, Record<string, unknown>>,
      parameters: {
        PageSize: {
          name: 'pageSize',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 500, default: 30 },
        },
      },
      examples: {
        Created: {
          summary: 'A thing just created',
          value: { code: 0, data: { id: 't1', status: 'submitted', created_at: 1 } },
        },
      },
      responses: {
        BadRequest: {
          description: 'Refused',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } },
        },
      },
      schemas: {
        CreateThing: {
          type: 'object',
          required: ['prompt'],
          additionalProperties: false,
          properties: {
            prompt: { type: 'string', minLength: 1, maxLength: 2500, description: 'What to make.' },
            aspect_ratio: { type: 'string', enum: ['16:9', '1:1', '2:3'], default: '16:9' },
            n: { type: 'integer', minimum: 1, maximum: 9, default: 1 },
            negative_prompt: { type: 'string', maxLength: 2500 },
            image: {
              type: 'string',
              'x-kling-image': { formats: ['png', 'jpeg'], maxBytes: 10485760, minSide: 300 },
            },
            image_list: { type: 'array', maxItems: 10, items: { type: 'string' } },
          } as Record<string, Record<string, unknown>>,
          allOf: [
            {
              'x-kling-rule': {
                id: 'negative-prompt-without-image',
                field: 'negative_prompt',
                message: 'negative_prompt is not supported together with image',
              },
              if: { required: ['image'] },
              // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
              then: { not: { required: ['negative_prompt'] } },
            },
          ] as Record<string, unknown>[],
          'x-kling-checks': [
            {
              id: 'reference-cap',
              kind: 'max-references',
              fields: ['image', 'image_list'],
              max: 10,
              field: 'image_list',
              message: 'image and image_list together may hold at most 10 references',
            },
          ] as Record<string, unknown>[],
        } as Record<string, unknown> & {
          properties: Record<string, Record<string, unknown>>;
          required: string[];
          allOf: Record<string, unknown>[];
          'x-kling-checks': Record<string, unknown>[];
        },
        Status: { type: 'string', enum: ['submitted', 'processing', 'succeed', 'failed'] },
        Thing: {
          type: 'object',
          required: ['id', 'status', 'created_at'],
          properties: {
            id: { type: 'string' },
            status: { $ref: '#/components/schemas/Status' },
            created_at: { type: 'integer' },
            note: { type: 'string' },
          } as Record<string, Record<string, unknown>>,
        },
        Envelope: {
          type: 'object',
          required: ['code'],
          properties: { code: { type: 'integer' }, message: { type: 'string' } },
        },
        ThingResponse: {
          allOf: [
            { $ref: '#/components/schemas/Envelope' },
            { type: 'object', properties: { data: { $ref: '#/components/schemas/Thing' } } },
          ],
        },
        ThingListResponse: {
          allOf: [
            { $ref: '#/components/schemas/Envelope' },
            {
              type: 'object',
              properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } },
            },
          ],
        },
      },
      callbacks: {
        ThingStatus: {
          '{$request.body#/callback_url}': {
            post: {
              operationId: 'receiveThingStatus',
              security: [],
              requestBody: {
                required: true,
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
              },
              responses: { '200': { description: 'Received' } },
            },
          },
        },
      },
    },
  };
}

export type FixtureSpec = ReturnType<typeof fixtureSpec>;

/** The fixture and a copy changed by `edit`: one rule's before and after. */
export function beforeAfter(edit: (spec: FixtureSpec) => void): [FixtureSpec, FixtureSpec] {
  const after = fixtureSpec();
  edit(after);
  return [fixtureSpec(), after];
}

/** The fixture spec at release `version` (its info.version), with `edit` applied. */
export function specAt(version: string, edit: (spec: FixtureSpec) => void = () => {}): FixtureSpec {
  const spec = fixtureSpec();
  spec.info.version = version;
  edit(spec);
  return spec;
}

/** An operation of a spec, for edits (fails loudly when the fixture has no such operation). */
export function operationOf(spec: FixtureSpec, path: string, method: string): Record<string, unknown> {
  const operation = spec.paths[path]?.[method];
  if (typeof operation !== 'object' || operation === null)
    throw new Error(`no ${method} ${path} in the fixture`);
  return operation as Record<string, unknown>;
}

/** A component schema of the fixture, for edits. */
export function schemaOf(spec: FixtureSpec, name: string): Record<string, unknown> {
  const schema = (spec.components.schemas as Record<string, unknown>)[name];
  if (typeof schema !== 'object' || schema === null) throw new Error(`no schema ${name} in the fixture`);
  return schema as Record<string, unknown>;
}

/** The property schemas of a component schema, for edits. */
export function propertiesOf(spec: FixtureSpec, name: string): Record<string, Record<string, unknown>> {
  return schemaOf(spec, name).properties as Record<string, Record<string, unknown>>;
}

/** One property schema of a component schema, for edits. */
export function propertyOf(spec: FixtureSpec, name: string, field: string): Record<string, unknown> {
  const property = propertiesOf(spec, name)[field];
  if (!property) throw new Error(`no property ${name}.${field} in the fixture`);
  return property;
}

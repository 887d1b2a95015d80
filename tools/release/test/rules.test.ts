/**
 * One before/after fixture per rule: each asserts the whole list of changes (so a rule neither misses
 * its change nor adds noise), with pointer, class and reason, and records what api-smart-diff itself
 * said (`library`), which is how tools/release/README.md's table of where the library is right was made.
 */
import { describe, expect, it } from 'vitest';
import type { SpecChange } from '../src/change.js';
import { diffSpecs } from '../src/spec-diff.js';
import { beforeAfter, operationOf, propertiesOf, propertyOf } from './fixture-spec.js';

type Seen = Pick<SpecChange, 'pointer' | 'class' | 'reason'> &
  Partial<Pick<SpecChange, 'operations' | 'library'>>;

function changes(edit: Parameters<typeof beforeAfter>[0], fields: (keyof SpecChange)[] = []): Seen[] {
  const [before, after] = beforeAfter(edit);
  return diffSpecs(before, after).map((change) => {
    const seen: Record<string, unknown> = {
      pointer: change.pointer,
      class: change.class,
      reason: change.reason,
    };
    for (const field of fields) seen[field] = change[field];
    return seen as Seen;
  });
}

const CREATE = '/components/schemas/CreateThing';
const THING = '/components/schemas/Thing';
const ANSWERING_THINGS = ['createThing', 'getThing', 'listThings', 'receiveThingStatus'];

describe('spec:diff rules, one fixture each', () => {
  it('an unchanged spec has no changes, and info.version (the release number) is not one', () => {
    expect(changes(() => {})).toEqual([]);
    expect(
      changes((s) => {
        s.info.version = '2.0.0';
      }),
    ).toEqual([]);
  });

  it('request enum narrowed: breaking', () => {
    const edit = (s: ReturnType<typeof beforeAfter>[1]) => {
      propertyOf(s, 'CreateThing', 'aspect_ratio').enum = ['16:9', '1:1'];
    };
    expect(changes(edit, ['operations', 'library'])).toEqual([
      {
        pointer: `${CREATE}/properties/aspect_ratio/enum`,
        class: 'breaking',
        reason: "request enum aspect_ratio lost '2:3': requests that send it now fail",
        operations: ['createThing'],
        library: 'breaking',
      },
    ]);
  });

  it('request enum widened: additive', () => {
    expect(
      changes(
        (s) => {
          propertyOf(s, 'CreateThing', 'aspect_ratio').enum = ['16:9', '1:1', '2:3', '4:5'];
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/aspect_ratio/enum`,
        class: 'additive',
        reason: "request enum aspect_ratio gained '4:5': requests may now send it",
        library: 'non-breaking',
      },
    ]);
  });

  it('optional request field added: additive', () => {
    expect(
      changes(
        (s) => {
          propertiesOf(s, 'CreateThing').seed = { type: 'integer' };
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/seed`,
        class: 'additive',
        reason: 'request field seed added (optional): existing requests still pass',
        library: 'non-breaking',
      },
    ]);
  });

  it('required request field added: breaking, reported once (not again for its required mark)', () => {
    expect(
      changes(
        (s) => {
          propertiesOf(s, 'CreateThing').seed = { type: 'integer' };
          s.components.schemas.CreateThing.required.push('seed');
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/seed`,
        class: 'breaking',
        reason: 'request field seed added as required: requests without it now fail',
        library: 'breaking',
      },
    ]);
  });

  it('existing request field made required: breaking (api-smart-diff says non-breaking)', () => {
    expect(
      changes(
        (s) => {
          s.components.schemas.CreateThing.required.push('n');
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/required`,
        class: 'breaking',
        reason: 'request field n became required: requests that omit it now fail',
        library: 'non-breaking',
      },
    ]);
  });

  it('request field made optional: additive', () => {
    expect(
      changes((s) => {
        s.components.schemas.CreateThing.required = [];
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/required`,
        class: 'additive',
        reason: 'request field prompt became optional: requests may now omit it',
      },
    ]);
  });

  it('request field removed from a closed body: breaking (api-smart-diff says non-breaking)', () => {
    expect(
      changes(
        (s) => {
          delete propertiesOf(s, 'CreateThing').negative_prompt;
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/negative_prompt`,
        class: 'breaking',
        reason:
          'request field negative_prompt removed: requests that send it are now refused (the body allows no unknown fields)',
        library: 'non-breaking',
      },
    ]);
  });

  it('request field type changed: breaking', () => {
    expect(
      changes(
        (s) => {
          propertyOf(s, 'CreateThing', 'n').type = 'string';
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/n/type`,
        class: 'breaking',
        reason: 'request field n type changed from integer to string: requests that send an integer now fail',
        library: 'breaking',
      },
    ]);
  });

  it('request field type widened (integer to number): additive', () => {
    expect(
      changes((s) => {
        propertyOf(s, 'CreateThing', 'n').type = 'number';
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/n/type`,
        class: 'additive',
        reason: 'request field n type changed from integer to number: every value that passed still does',
      },
    ]);
  });

  it('response field type changed: breaking (api-smart-diff says non-breaking where operations use it)', () => {
    expect(
      changes(
        (s) => {
          propertyOf(s, 'Thing', 'created_at').type = 'string';
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: `${THING}/properties/created_at/type`,
        class: 'breaking',
        reason:
          'response field data.created_at type changed from integer to string: clients that expect an integer receive a string',
        operations: ANSWERING_THINGS,
        library: 'non-breaking',
      },
    ]);
  });

  it('maxLength tightened: breaking; loosened: additive', () => {
    expect(
      changes((s) => {
        propertyOf(s, 'CreateThing', 'prompt').maxLength = 2000;
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/prompt/maxLength`,
        class: 'breaking',
        reason: 'request field prompt maxLength tightened from 2500 to 2000: values that passed may now fail',
      },
    ]);
    expect(
      changes((s) => {
        propertyOf(s, 'CreateThing', 'prompt').maxLength = 4000;
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/prompt/maxLength`,
        class: 'additive',
        reason: 'request field prompt maxLength loosened from 2500 to 4000: more values are accepted',
      },
    ]);
  });

  it('minimum raised: breaking; maximum of a shared query parameter raised: additive, for every operation', () => {
    expect(
      changes((s) => {
        propertyOf(s, 'CreateThing', 'n').minimum = 2;
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/n/minimum`,
        class: 'breaking',
        reason: 'request field n minimum tightened from 1 to 2: values that passed may now fail',
      },
    ]);
    expect(
      changes(
        (s) => {
          s.components.parameters.PageSize.schema.maximum = 1000;
        },
        ['operations'],
      ),
    ).toEqual([
      {
        pointer: '/components/parameters/PageSize/schema/maximum',
        class: 'additive',
        reason: 'query parameter pageSize maximum loosened from 500 to 1000: more values are accepted',
        operations: ['listThings'],
      },
    ]);
  });

  it('request default changed: breaking', () => {
    expect(
      changes(
        (s) => {
          propertyOf(s, 'CreateThing', 'n').default = 2;
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/n/default`,
        class: 'breaking',
        reason: 'request field n default changed from 1 to 2: requests that omit it now get 2',
        library: 'breaking',
      },
    ]);
  });

  it('request default given to a field that was required, made optional with it: additive', () => {
    expect(
      changes(
        (s) => {
          const create = s.components.schemas.CreateThing as { required: string[] };
          create.required = create.required.filter((name) => name !== 'prompt');
          propertyOf(s, 'CreateThing', 'prompt').default = 'a thing';
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/prompt/default`,
        class: 'additive',
        reason:
          "request field prompt now defaults to 'a thing': it was required, so every request that passed sends it and none changes meaning",
        library: 'non-breaking',
      },
      {
        pointer: `${CREATE}/required`,
        class: 'additive',
        reason: 'request field prompt became optional: requests may now omit it',
        library: 'non-breaking',
      },
    ]);
  });

  it('response field added: additive, once for the component every answer and the callback use', () => {
    expect(
      changes(
        (s) => {
          propertiesOf(s, 'Thing').seed = { type: 'integer' };
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: `${THING}/properties/seed`,
        class: 'additive',
        reason: 'response field data.seed added: clients that ignore unknown fields are unaffected',
        operations: ANSWERING_THINGS,
        library: 'non-breaking',
      },
    ]);
  });

  it('optional response field removed: breaking (api-smart-diff says non-breaking)', () => {
    expect(
      changes(
        (s) => {
          delete propertiesOf(s, 'Thing').note;
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: `${THING}/properties/note`,
        class: 'breaking',
        reason: 'response field data.note removed: clients that read it get nothing',
        operations: ANSWERING_THINGS,
        library: 'non-breaking',
      },
    ]);
  });

  it('response field no longer required: breaking', () => {
    expect(
      changes((s) => {
        s.components.schemas.Thing.required = ['id', 'status'];
      }),
    ).toEqual([
      {
        pointer: `${THING}/required`,
        class: 'breaking',
        reason:
          'response field data.created_at may now be absent: clients that read it must handle its absence',
      },
    ]);
  });

  it('response enum widened: breaking; narrowed: additive', () => {
    expect(
      changes(
        (s) => {
          s.components.schemas.Status.enum.push('cancelled');
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: '/components/schemas/Status/enum',
        class: 'breaking',
        reason:
          "response enum data.status gained 'cancelled': clients that handle every value meet one they do not know",
        library: 'breaking',
      },
    ]);
    expect(
      changes((s) => {
        s.components.schemas.Status.enum = ['submitted', 'processing', 'succeed'];
      }),
    ).toEqual([
      {
        pointer: '/components/schemas/Status/enum',
        class: 'additive',
        reason:
          "response enum data.status lost 'failed': answers no longer carry it; clients that handle it are unaffected",
      },
    ]);
  });

  it('callback body field removed: breaking, worded for the handlers that receive callbacks', () => {
    expect(
      changes(
        (s) => {
          // The callback now sends a ThingEvent: a Thing without `note`.
          const { note: _dropped, ...rest } = s.components.schemas.Thing.properties;
          (s.components.schemas as Record<string, unknown>).ThingEvent = {
            ...s.components.schemas.Thing,
            properties: rest,
          };
          s.components.callbacks.ThingStatus['{$request.body#/callback_url}'].post.requestBody.content[
            'application/json'
          ].schema.$ref = '#/components/schemas/ThingEvent';
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: '/components/schemas/ThingEvent/properties/note',
        class: 'breaking',
        reason: 'callback field note removed: callback handlers that read it get nothing',
        operations: ['receiveThingStatus'],
        library: 'non-breaking',
      },
    ]);
  });

  it('operation added: additive; operation removed: breaking', () => {
    expect(
      changes(
        (s) => {
          (s.paths['/v1/things/{id}'] as Record<string, unknown>).delete = {
            operationId: 'deleteThing',
            responses: { '204': { description: 'Gone' } },
          };
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1things~1{id}/delete',
        class: 'additive',
        reason: 'operation DELETE /v1/things/{id} (deleteThing) added: existing calls are unaffected',
        operations: ['deleteThing'],
        library: 'non-breaking',
      },
    ]);
    expect(
      changes(
        (s) => {
          delete (s.paths['/v1/things'] as Record<string, unknown>).get;
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1things/get',
        class: 'breaking',
        reason: 'operation GET /v1/things (listThings) removed: calls to it now fail',
        library: 'breaking',
      },
    ]);
  });

  it('path added: additive; path removed: breaking', () => {
    expect(
      changes((s) => {
        s.paths['/v1/other'] = {
          get: { operationId: 'getOther', responses: { '200': { description: 'ok' } } },
        };
      }),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1other/get',
        class: 'additive',
        reason: 'operation GET /v1/other (getOther) added: existing calls are unaffected',
      },
    ]);
    expect(
      changes((s) => {
        delete s.paths['/v1/things/{id}'];
      }),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1things~1{id}/get',
        class: 'breaking',
        reason: 'operation GET /v1/things/{id} (getThing) removed: calls to it now fail',
      },
    ]);
  });

  it('status code added: additive; removed: breaking, pointing at the operation, not the shared response', () => {
    expect(
      changes(
        (s) => {
          (operationOf(s, '/v1/things', 'post').responses as Record<string, unknown>)['409'] = {
            $ref: '#/components/responses/BadRequest',
          };
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1things/post/responses/409',
        class: 'additive',
        reason: 'createThing may now answer 409: a new documented outcome; the others are unchanged',
        library: 'non-breaking',
      },
    ]);
    expect(
      changes(
        (s) => {
          delete (operationOf(s, '/v1/things', 'post').responses as Record<string, unknown>)['413'];
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1things/post/responses/413',
        class: 'breaking',
        reason: 'createThing no longer answers 413: clients and tests that expect it never get it',
        library: 'breaking',
      },
    ]);
  });

  it('x-kling-rule cross-field rule added: breaking (api-smart-diff reports only unclassified fragments)', () => {
    expect(
      changes(
        (s) => {
          s.components.schemas.CreateThing.allOf.push({
            'x-kling-rule': { id: 'n-without-image', field: 'n', message: 'n applies only without image' },
            if: { required: ['image'] },
            // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
            then: { not: { required: ['n'] } },
          });
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/allOf/1`,
        class: 'breaking',
        reason:
          "cross-field rule 'n-without-image' added to CreateThing: requests it refuses (n applies only without image) now fail",
        operations: ['createThing'],
        library: undefined,
      },
    ]);
  });

  it('x-kling-rule cross-field rule removed: additive (api-smart-diff reports nothing at all)', () => {
    expect(
      changes((s) => {
        s.components.schemas.CreateThing.allOf = [];
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/allOf/0`,
        class: 'additive',
        reason:
          "cross-field rule 'negative-prompt-without-image' removed from CreateThing: requests it refused (negative_prompt is not supported together with image) are now accepted",
      },
    ]);
  });

  it('x-kling-rule condition changed: breaking; only its message changed: docs-only', () => {
    expect(
      changes((s) => {
        s.components.schemas.CreateThing.allOf[0] = {
          ...s.components.schemas.CreateThing.allOf[0],
          if: { required: ['image_list'] },
        };
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/allOf/0`,
        class: 'breaking',
        reason:
          "cross-field rule 'negative-prompt-without-image' of CreateThing now checks a different condition: requests it accepted may now fail",
      },
    ]);
    expect(
      changes((s) => {
        s.components.schemas.CreateThing.allOf[0] = {
          ...s.components.schemas.CreateThing.allOf[0],
          'x-kling-rule': {
            id: 'negative-prompt-without-image',
            field: 'negative_prompt',
            message: 'remove one',
          },
        };
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/allOf/0/x-kling-rule`,
        class: 'docs-only',
        reason:
          "cross-field rule 'negative-prompt-without-image' of CreateThing reworded (message or field named in the error): what it accepts is unchanged",
      },
    ]);
  });

  it('x-kling-checks limit tightened: breaking; check removed: additive', () => {
    expect(
      changes((s) => {
        (s.components.schemas.CreateThing['x-kling-checks'][0] as { max: number }).max = 5;
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/x-kling-checks/0`,
        class: 'breaking',
        reason:
          "check 'reference-cap' of CreateThing tightened (max 10 -> 5): requests it accepted may now fail",
      },
    ]);
    expect(
      changes((s) => {
        s.components.schemas.CreateThing['x-kling-checks'] = [];
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/x-kling-checks/0`,
        class: 'additive',
        reason:
          "check 'reference-cap' (max-references) removed from CreateThing: requests it refused (image and image_list together may hold at most 10 references) are now accepted",
      },
    ]);
  });

  it('x-kling-image: a format dropped and maxBytes lowered are breaking; minSide lowered is additive', () => {
    expect(
      changes((s) => {
        propertyOf(s, 'CreateThing', 'image')['x-kling-image'] = {
          formats: ['png'],
          maxBytes: 5242880,
          minSide: 200,
        };
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/image/x-kling-image/formats`,
        class: 'breaking',
        reason: "image image no longer accepts formats 'jpeg': requests that send one now fail",
      },
      {
        pointer: `${CREATE}/properties/image/x-kling-image/maxBytes`,
        class: 'breaking',
        reason:
          'image image maxBytes tightened from 10485760 to 5242880: images that passed may now be refused',
      },
      {
        pointer: `${CREATE}/properties/image/x-kling-image/minSide`,
        class: 'additive',
        reason: 'image image minSide loosened from 300 to 200: more images are accepted',
      },
    ]);
  });

  it('security changed from bearer to an API key: breaking (api-smart-diff leaves it unclassified)', () => {
    expect(
      changes(
        (s) => {
          (s as { security: unknown }).security = [{ apiKey: [] }];
          s.components.securitySchemes.apiKey = { type: 'apiKey', in: 'header', name: 'X-Api-Key' };
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: '/security',
        class: 'breaking',
        reason:
          'security no longer accepts bearerAuth (HTTP bearer): clients that authenticate that way are now refused (401)',
        operations: ['createThing', 'getThing', 'listThings'],
        library: undefined,
      },
      {
        pointer: '/security',
        class: 'additive',
        reason:
          'security now also accepts apiKey (API key in header X-Api-Key): clients may authenticate that way',
        operations: ['createThing', 'getThing', 'listThings'],
        library: undefined,
      },
      {
        pointer: '/components/securitySchemes/apiKey',
        class: 'docs-only',
        reason: 'security scheme apiKey added without any operation requiring it: no request changes',
        operations: [],
        library: undefined,
      },
    ]);
  });

  it('security: one operation opened to anonymous calls is additive; its scheme redescribed is docs-only', () => {
    expect(
      changes(
        (s) => {
          operationOf(s, '/v1/things/{id}', 'get').security = [{}, { bearerAuth: [] }];
        },
        ['operations'],
      ),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1things~1{id}/get/security',
        class: 'additive',
        reason: 'security now also accepts no credentials: clients may authenticate that way',
        operations: ['getThing'],
      },
    ]);
    expect(
      changes((s) => {
        (s.components.securitySchemes.bearerAuth as Record<string, unknown>).description = 'A signed JWT.';
      }),
    ).toEqual([
      {
        pointer: '/components/securitySchemes/bearerAuth',
        class: 'docs-only',
        reason:
          'security scheme bearerAuth described differently (description or bearerFormat): the credentials it takes are the same',
      },
    ]);
  });

  it('required query parameter added: breaking; optional one: additive', () => {
    const param = (required: boolean) => (s: ReturnType<typeof beforeAfter>[1]) => {
      (operationOf(s, '/v1/things', 'get').parameters as unknown[]).push({
        name: 'status',
        in: 'query',
        required,
        schema: { type: 'string' },
      });
    };
    expect(changes(param(true), ['library'])).toEqual([
      {
        pointer: '/paths/~1v1~1things/get/parameters/1',
        class: 'breaking',
        reason: 'required query parameter status added to listThings: calls without it now fail',
        library: 'breaking',
      },
    ]);
    expect(changes(param(false))).toEqual([
      {
        pointer: '/paths/~1v1~1things/get/parameters/1',
        class: 'additive',
        reason: 'optional query parameter status added to listThings: existing calls are unaffected',
      },
    ]);
  });

  it('x-kling-error-code given to a field: breaking (clients branch on codes)', () => {
    expect(
      changes((s) => {
        propertyOf(s, 'CreateThing', 'aspect_ratio')['x-kling-error-code'] = 1203;
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/aspect_ratio/x-kling-error-code`,
        class: 'breaking',
        reason:
          'a bad aspect_ratio now answers code 1203 instead of 1201 (the default): clients that branch on the old code miss it',
      },
    ]);
  });

  it('a component no operation uses: added is additive, removed is breaking (generated types name it)', () => {
    expect(
      changes((s) => {
        (s.components.schemas as Record<string, unknown>).Spare = { type: 'string' };
      }),
    ).toEqual([
      {
        pointer: '/components/schemas/Spare',
        class: 'additive',
        reason: 'component Spare added: the generated types gain a name',
      },
    ]);
    const [plain, withSpare] = beforeAfter((s) => {
      (s.components.schemas as Record<string, unknown>).Spare = { type: 'string' };
    });
    expect(
      diffSpecs(withSpare, plain).map(({ pointer, class: c, reason }) => ({ pointer, class: c, reason })),
    ).toEqual([
      {
        pointer: '/components/schemas/Spare',
        class: 'breaking',
        reason: 'component Spare removed: code that uses its generated type breaks',
      },
    ]);
  });

  it('an example added: docs-only (api-smart-diff leaves examples unclassified)', () => {
    expect(
      changes(
        (s) => {
          (s.components.parameters.PageSize as Record<string, unknown>).examples = { large: { value: 500 } };
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: '/components/parameters/PageSize/examples',
        class: 'docs-only',
        reason: 'examples changed: documentation only; nothing accepted or answered changes',
        library: 'unclassified',
      },
    ]);
  });

  it('a named example changed deep inside its value: docs-only, reported once for the example', () => {
    expect(
      changes(
        (s) => {
          const created = s.components.examples.Created.value;
          created.data = { ...created.data, id: 't2', status: 'processing' };
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: '/components/examples/Created',
        class: 'docs-only',
        reason: 'examples changed: documentation only; nothing accepted or answered changes',
        operations: ['createThing'],
        library: 'unclassified',
      },
    ]);
  });

  it('a response header added (named x-..., which is not a vendor extension): additive', () => {
    expect(
      changes(
        (s) => {
          (s.components.responses.BadRequest as Record<string, unknown>).headers = {
            'x-request-id': { schema: { type: 'string' } },
          };
        },
        ['operations', 'library'],
      ),
    ).toEqual([
      {
        pointer: '/components/responses/BadRequest/headers',
        class: 'additive',
        reason: 'answers now carry the header x-request-id: clients may read it',
        operations: ['createThing'],
        library: 'non-breaking',
      },
    ]);
  });

  it("a callback's own description changed: docs-only", () => {
    expect(
      changes((s) => {
        (
          s.components.callbacks.ThingStatus['{$request.body#/callback_url}'].post as Record<string, unknown>
        ).description = 'Sent on every status change.';
      }),
    ).toEqual([
      {
        pointer: '/components/callbacks/ThingStatus/{$request.body#~1callback_url}/post/description',
        class: 'docs-only',
        reason: 'description changed: documentation only; nothing accepted or answered changes',
      },
    ]);
  });

  it('pattern added to a request field: breaking; unknown fields accepted again: additive', () => {
    expect(
      changes(
        (s) => {
          propertyOf(s, 'CreateThing', 'negative_prompt').pattern = '^[a-z ]*$';
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/negative_prompt/pattern`,
        class: 'breaking',
        reason: "request field negative_prompt gained pattern '^[a-z ]*$': values that passed may now fail",
        library: 'breaking',
      },
    ]);
    expect(
      changes(
        (s) => {
          s.components.schemas.CreateThing.additionalProperties = true;
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/additionalProperties`,
        class: 'additive',
        reason: 'request body now accepts fields it does not list: more requests pass',
        library: 'non-breaking',
      },
    ]);
  });

  it('request field deprecated: additive (it still works)', () => {
    expect(
      changes((s) => {
        propertyOf(s, 'CreateThing', 'n').deprecated = true;
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/n/deprecated`,
        class: 'additive',
        reason: 'request field n deprecated: it still works; callers should move off it',
      },
    ]);
  });

  it('operationId renamed: breaking (generated types and the mock name operations)', () => {
    expect(
      changes(
        (s) => {
          operationOf(s, '/v1/things', 'get').operationId = 'listAllThings';
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1things/get/operationId',
        class: 'breaking',
        reason:
          "operationId 'listThings' renamed to 'listAllThings': code that names the operation (generated types, the mock's routes) breaks",
        library: 'annotation',
      },
    ]);
  });

  it('request body made optional: additive; an answer media type removed: breaking', () => {
    expect(
      changes((s) => {
        (operationOf(s, '/v1/things', 'post').requestBody as { required: boolean }).required = false;
      }),
    ).toEqual([
      {
        pointer: '/paths/~1v1~1things/post/requestBody/required',
        class: 'additive',
        reason: 'createThing body became optional',
      },
    ]);
    expect(
      changes((s) => {
        const ok = (
          operationOf(s, '/v1/things/{id}', 'get').responses as Record<string, { content: object }>
        )['200'];
        if (ok) ok.content = { 'application/problem+json': { schema: { type: 'object' } } };
      }).map(({ class: c, reason }) => ({ class: c, reason })),
    ).toEqual(
      expect.arrayContaining([
        {
          class: 'breaking',
          reason: 'answers no longer come as application/json: clients that parse it get nothing',
        },
        {
          class: 'additive',
          reason:
            'answers may now come as application/problem+json: clients that parse only the others must handle it',
        },
      ]),
    );
  });

  it('a server URL changed: breaking; a server added: additive', () => {
    expect(
      changes(
        (s) => {
          s.servers = [{ url: 'https://api2.example.test' }];
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: '/servers/0/url',
        class: 'breaking',
        reason:
          "server url changed from 'https://api.example.test' to 'https://api2.example.test': clients configured with the old one must move",
        library: 'annotation',
      },
    ]);
    expect(
      changes((s) => {
        s.servers.push({ url: 'https://eu.example.test' });
      }),
    ).toEqual([
      {
        pointer: '/servers/1',
        class: 'additive',
        reason: "server 'https://eu.example.test' added: clients may use it",
      },
    ]);
  });

  it('an answer field may take another shape (oneOf entry added): breaking', () => {
    const [, one] = beforeAfter((s) => {
      propertyOf(s, 'Thing', 'note').oneOf = [{ type: 'string' }];
    });
    const [, two] = beforeAfter((s) => {
      propertyOf(s, 'Thing', 'note').oneOf = [{ type: 'string' }, { type: 'null' }];
    });
    expect(
      diffSpecs(one, two).map(({ pointer, class: c, reason, library }) => ({
        pointer,
        class: c,
        reason,
        library,
      })),
    ).toEqual([
      {
        pointer: `${THING}/properties/note/oneOf/1`,
        class: 'breaking',
        reason:
          'response field data.note may take another shape (oneOf entry added): clients may receive a shape they do not know',
        library: 'breaking',
      },
    ]);
  });

  it('an answer refactored into referenced components (an id with a pattern; a string rewritten as anyOf of a bounded string and ""): additive, without noise', () => {
    expect(
      changes(
        (s) => {
          const schemas = s.components.schemas as Record<string, unknown>;
          schemas.ThingId = { type: 'string', pattern: '^[A-Za-z0-9]{1,64}$' };
          schemas.NoteText = { type: 'string', maxLength: 100 };
          propertiesOf(s, 'Thing').id = { $ref: '#/components/schemas/ThingId' };
          propertiesOf(s, 'Thing').note = {
            anyOf: [{ $ref: '#/components/schemas/NoteText' }, { const: '' }],
          };
        },
        ['operations'],
      ),
    ).toEqual([
      {
        pointer: `${THING}/properties/note`,
        class: 'additive',
        reason:
          'response field data.note rewritten as anyOf: every value it can now take, it could take before',
        operations: ANSWERING_THINGS,
      },
      {
        pointer: '/components/schemas/ThingId/pattern',
        class: 'additive',
        reason: "response field data.id gained pattern '^[A-Za-z0-9]{1,64}$': answers stay within it",
        operations: ANSWERING_THINGS,
      },
    ]);
  });

  it('a request field rewritten as anyOf: additive when it only adds a type, breaking when it cannot be told', () => {
    expect(
      changes((s) => {
        propertiesOf(s, 'CreateThing').n = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
      }).filter((change) => change.pointer.endsWith('/properties/n')),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/n`,
        class: 'additive',
        reason: 'request field n rewritten as anyOf: every value that passed still does',
      },
    ]);
    expect(
      changes((s) => {
        propertiesOf(s, 'CreateThing').negative_prompt = {
          anyOf: [{ type: 'string', maxLength: 100 }, { const: '' }],
        };
      }),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/negative_prompt`,
        class: 'breaking',
        reason:
          'request field negative_prompt rewritten as anyOf: whether it allows more or less cannot be told, so it counts as breaking',
      },
    ]);
  });

  it('a description changed: docs-only', () => {
    expect(
      changes(
        (s) => {
          propertyOf(s, 'CreateThing', 'prompt').description = 'What to make, in words.';
        },
        ['library'],
      ),
    ).toEqual([
      {
        pointer: `${CREATE}/properties/prompt/description`,
        class: 'docs-only',
        reason: 'description changed: documentation only; nothing accepted or answered changes',
        library: 'annotation',
      },
    ]);
  });
});

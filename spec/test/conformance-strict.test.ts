import { describe, expect, it } from 'vitest';
import { checkRequest, checkResponse, findOperation } from '../conformance.mjs';

/** Strict mode: what a drift recorder reads. Each problem once, with where, what the spec says, what was seen. */

const task = {
  task_id: '867283741759111202',
  task_status: 'succeed',
  task_status_msg: '',
  task_info: { external_task_id: 'order-1' },
  created_at: 1_722_000_000_000,
  updated_at: 1_722_000_001_000,
  task_result: { images: [{ index: 0, url: 'https://cdn.example/0.png' }] },
};
const envelope = (data: unknown) => ({ code: 0, message: 'SUCCEED', request_id: 'r-1', data });

describe('strict answers', () => {
  it('reports undocumented fields at every level, through allOf, once each, and nothing in a documented answer', () => {
    expect(
      checkResponse('GET', '/v1/images/generations/1', 200, envelope(task), { strict: true }),
    ).toBeUndefined();
    expect(
      checkResponse('GET', '/v1/images/generations', 200, envelope([task]), { strict: true }),
    ).toBeUndefined();
    const drifted = envelope({
      ...task,
      queue_position: 3,
      task_info: { external_task_id: 'order-1', source: 'api' },
      task_result: { images: [{ index: 0, url: 'https://cdn.example/0.png', seed: 7 }] },
    });
    expect(
      checkResponse('GET', '/v1/images/generations/1', 200, { ...drifted, trace_id: 't' }),
    ).toBeUndefined();
    const violation = checkResponse(
      'GET',
      '/v1/images/generations/1',
      200,
      { ...drifted, trace_id: 't' },
      { strict: true },
    );
    expect(
      violation?.problems?.map(({ pointer, rule, spec }) => `${pointer} ${rule} ${spec}`).sort(),
    ).toEqual(
      [
        '/body/data/queue_position unevaluatedProperties #/components/schemas/ImageGenerationTask',
        '/body/data/task_info/source unevaluatedProperties #/components/schemas/TaskInfo',
        '/body/data/task_result/images/0/seed unevaluatedProperties #/components/schemas/TaskResultImage',
        '/body/trace_id unevaluatedProperties #/components/schemas/ImageGenerationTaskResponse',
      ].sort(),
    );
    expect(violation?.problems?.find(({ pointer }) => pointer.endsWith('/source'))).toMatchObject({
      expected: 'no such field (documented here: external_task_id)',
      seen: '"api"',
    });
  });

  it('says what the spec says and what was seen: a wrong type, a missing field, an unknown status, one anyOf', () => {
    const { updated_at: _, ...withoutUpdate } = task;
    const violation = checkResponse(
      'GET',
      '/v1/images/omni-image',
      200,
      envelope([
        {
          ...withoutUpdate,
          created_at: '1722000000000',
          task_status: 'queueing',
          task_info: { external_task_id: 5 },
        },
      ]),
      { strict: true },
    );
    expect(violation?.problems).toEqual([
      {
        pointer: '/body/data/0/updated_at',
        rule: 'required',
        expected: 'a required field',
        seen: 'absent',
        spec: '#/components/schemas/TaskBase/required',
      },
      {
        pointer: '/body/data/0/task_status',
        rule: 'enum',
        expected: 'one of "submitted", "processing", "succeed", "failed"',
        seen: '"queueing"',
        spec: '#/components/schemas/TaskStatus/enum',
      },
      {
        pointer: '/body/data/0/task_info/external_task_id',
        rule: 'anyOf',
        expected: 'any of: type string; or exactly ""',
        seen: '5',
        spec: '#/components/schemas/TaskInfo/properties/external_task_id/anyOf',
      },
      {
        pointer: '/body/data/0/created_at',
        rule: 'type',
        expected: 'type integer',
        seen: '"1722000000000" (string)',
        spec: '#/components/schemas/TaskBase/properties/created_at/type',
      },
    ]);
  });

  it('reports an undeclared status and an undocumented error code', () => {
    expect(checkResponse('POST', '/v1/images/generations', 502, {}, { strict: true })?.problems).toEqual([
      expect.objectContaining({ pointer: '/status', rule: 'status', seen: '502' }),
    ]);
    expect(
      checkResponse(
        'GET',
        '/v1/images/generations',
        400,
        { code: 1999, message: 'm', request_id: 'r' },
        { strict: true },
      )?.problems,
    ).toEqual([
      expect.objectContaining({
        pointer: '/body/code',
        rule: 'enum',
        expected: 'one of 1200, 1201, 1300, 1301',
      }),
    ]);
  });

  it('escapes control and bidi characters in what it shows, and cuts long values', () => {
    const problems = checkResponse(
      'GET',
      '/v1/images/generations/1',
      200,
      envelope({ ...task, note: `\u001b[2J\u202e${'x'.repeat(500)}` }),
      {
        strict: true,
      },
    )?.problems;
    expect(problems?.[0]?.seen).toMatch(/^"\\u001b\[2J\\u202ex+…$/);
    expect(problems?.[0]?.seen.length).toBeLessThanOrEqual(121);
  });
});

describe('strict requests', () => {
  const create = (
    body: unknown,
    headers: { authorization?: string | null; contentType?: string | null } = {},
  ) =>
    checkRequest('POST', '/v1/images/omni-image', {
      authorization: 'Bearer t',
      contentType: 'application/json',
      ...headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('passes a request the spec allows, and knows only the spec operations', () => {
    expect(create({ prompt: 'p', result_type: 'series', series_amount: 3 })).toBeUndefined();
    expect(
      checkRequest('GET', '/v1/images/generations', {
        authorization: 'Bearer t',
        query: 'pageNum=2&pageSize=30',
      }),
    ).toBeUndefined();
    expect(checkRequest('GET', '/v1/videos/text2video', {})).toBeUndefined();
    expect(findOperation('GET', '/v1/images/omni-image/42')).toEqual({
      operationId: 'getOmniImageTask',
      method: 'GET',
      template: '/v1/images/omni-image/{id}',
    });
  });

  it('names a cross-field rule by its id and message, once, and unknown fields with the documented ones', () => {
    const problems = create({
      prompt: 'p',
      result_type: 'series',
      n: 2,
      extra: true,
      image_list: [{ image: 'https://x.example/a.png', weight: 1 }],
    })?.problems;
    expect(problems?.map(({ pointer, rule }) => `${pointer} ${rule}`)).toEqual([
      '/body/n x-kling-rule n-only-with-single',
      '/body/extra additionalProperties',
      '/body/image_list/0/weight additionalProperties',
    ]);
    expect(problems?.[0]).toMatchObject({
      seen: '2',
      spec: '#/components/schemas/OmniImageCreateRequest/allOf/0',
    });
  });

  it('checks credentials by presence and form only, never showing them; the content type; the body is JSON', () => {
    const secret = 'Token sk-should-never-show';
    const problems =
      create('{"prompt": ', { authorization: secret, contentType: 'text/plain' })?.problems ?? [];
    expect(problems.map(({ pointer, rule }) => `${pointer} ${rule}`)).toEqual([
      '/headers/authorization security',
      '/headers/content-type content-type',
      '/body json',
    ]);
    expect(JSON.stringify(problems)).not.toContain('sk-should-never-show');
    expect(create({ prompt: 'p' }, { authorization: null })?.problems[0]?.seen).toBe('absent');
  });

  it('checks path and query parameters, numbers read from text, and reports undocumented ones', () => {
    const problems = checkRequest('GET', '/v1/images/generations', {
      authorization: 'Bearer t',
      query: 'pageSize=0&pageNum=two&external_task_id=&page=3',
    })?.problems;
    expect(problems?.map(({ pointer, rule, expected }) => `${pointer} ${rule} ${expected}`)).toEqual([
      '/query/pageNum type type integer',
      '/query/pageSize minimum a number >= 1',
      '/query/external_task_id minLength at least 1 character',
      '/query/page parameters no such query parameter (documented: pageNum, pageSize, external_task_id)',
    ]);
    expect(
      checkRequest('GET', `/v1/images/generations/${'x'.repeat(300)}`, { authorization: 'Bearer t' })
        ?.problems,
    ).toEqual([expect.objectContaining({ pointer: '/path/id', rule: 'maxLength' })]);
  });
});

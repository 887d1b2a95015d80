import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerDrift,
  createMockServer,
  createRecorder,
  type DriftFinding,
  type DriftRun,
  type MockServer,
  REPLAY_HEADER,
} from '../src/index.js';

/**
 * The drift loop without the live API: a mock with a drift control stands in for a platform whose answers
 * left the spec, `createRecorder` sits between a client and it, and the report must list exactly the
 * injected drift; then a mock replaying the cassette must give the same answers, byte for byte.
 */

const PLATFORM_KEY = 'apikey-platform-0123456789';
const REPLAY_KEY = 'apikey-replay-9876543210';
const HOUR = 3_600_000;
const DRIFT: AnswerDrift = {
  addFields: { queue_position: 3 },
  stringFields: ['created_at'],
  dropFields: ['updated_at'],
  statusNames: { processing: 'queueing' },
};

interface Seen {
  status: number;
  body: string;
  headers: Headers;
}

/** The session a user's app would run: create, poll through processing to the end, list by id, omni create. */
async function session(
  send: (method: string, path: string, body?: unknown) => Promise<Seen>,
  advance: () => void,
  externalIds = ['order-1', 'order-2'],
): Promise<Seen[]> {
  const seen: Seen[] = [];
  const created = await send('POST', '/v1/images/generations', {
    prompt: 'a red fox in the snow',
    n: 1,
    external_task_id: externalIds[0],
  });
  seen.push(created);
  const id = (JSON.parse(created.body) as { data: { task_id: string } }).data.task_id;
  seen.push(await send('GET', `/v1/images/generations/${id}`));
  advance();
  seen.push(await send('GET', `/v1/images/generations/${id}`));
  advance();
  seen.push(await send('GET', `/v1/images/generations/${id}`));
  seen.push(await send('GET', `/v1/images/generations?external_task_id=${externalIds[0]}`));
  seen.push(
    await send('POST', '/v1/images/omni-image', {
      prompt: 'a lighthouse at dusk',
      result_type: 'single',
      n: 1,
      external_task_id: externalIds[1],
    }),
  );
  return seen;
}

function sender(base: string, key: string, fetcher: (request: Request) => Promise<Response> = fetch) {
  return async (method: string, path: string, body?: unknown): Promise<Seen> => {
    const response = await fetcher(
      new Request(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
    );
    return { status: response.status, body: await response.text(), headers: response.headers };
  };
}

/** A platform with `drift` whose tasks move only when the test moves its clock (an hour a step). */
async function platformWith(drift?: AnswerDrift) {
  const platform = createMockServer({
    apiKeys: [PLATFORM_KEY],
    timings: { processingAfterMs: HOUR, processingMs: HOUR, perImageMs: 0 },
    ...(drift && { drift }),
  });
  return { platform, url: await platform.listen() };
}

/** A PNG the schemas accept and the spec's image limits (`x-kling-image`: sides of at least 300 px) refuse. */
const SMALL_PNG = PNG.sync.write(new PNG({ width: 100, height: 100 })).toString('base64');

const brief = (finding: DriftFinding) =>
  `${finding.direction} ${finding.operation} ${finding.status} ${finding.pointer} ${finding.rule}`;

describe('recording a drifted platform', () => {
  let out: string;
  let recorded: Seen[];
  let run: DriftRun;
  let findings: DriftFinding[];

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'kling-drift-'));
    const { platform, url } = await platformWith(DRIFT);
    const recorder = createRecorder({ target: url, out });
    const proxy = await recorder.listen();
    try {
      recorded = await session(sender(proxy, PLATFORM_KEY), () => platform.advanceClock(HOUR));
    } finally {
      ({ run, findings } = await recorder.close());
      await platform.close();
    }
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('reports exactly the injected drift: the undocumented field, the wrong type, the missing field, the unknown status', () => {
    const perTask = (operation: string, data: string) => [
      `answer ${operation} 200 ${data}/updated_at required`,
      `answer ${operation} 200 ${data}/created_at type`,
      `answer ${operation} 200 ${data}/queue_position unevaluatedProperties`,
    ];
    expect(findings.map(brief).sort()).toEqual(
      [
        ...perTask('createImageGenerationTask', '/body/data'),
        ...perTask('getImageGenerationTask', '/body/data'),
        'answer getImageGenerationTask 200 /body/data/task_status enum',
        ...perTask('listImageGenerationTasks', '/body/data/*'),
        ...perTask('createOmniImageTask', '/body/data'),
      ].sort(),
    );
    const status = findings.find((finding) => finding.rule === 'enum');
    expect(status).toMatchObject({
      operation: 'getImageGenerationTask',
      path: '/v1/images/generations/{id}',
      spec: '#/components/schemas/TaskStatus/enum',
      expected: 'one of "submitted", "processing", "succeed", "failed"',
      seen: ['"queueing"'],
      count: 1,
      of: 3,
      first: { seq: 3, pointer: '/body/data/task_status' },
    });
    expect(findings.find((finding) => finding.pointer === '/body/data/*/created_at')).toMatchObject({
      spec: '#/components/schemas/TaskBase/properties/created_at/type',
      expected: 'type integer',
      first: { pointer: '/body/data/0/created_at' },
    });
    const added = findings.find(
      (finding) => finding.operation === 'getImageGenerationTask' && finding.rule === 'unevaluatedProperties',
    );
    expect(added).toMatchObject({
      seen: ['3'],
      count: 3,
      of: 3,
      spec: '#/components/schemas/ImageGenerationTask',
    });
    expect(added?.expected).toMatch(
      /^no such field \(documented here: task_id, task_status, .*task_result\)$/,
    );
    expect(run.exchanges).toEqual({
      createImageGenerationTask: { count: 1, statuses: { 200: 1 } },
      getImageGenerationTask: { count: 3, statuses: { 200: 3 } },
      listImageGenerationTasks: { count: 1, statuses: { 200: 1 } },
      createOmniImageTask: { count: 1, statuses: { 200: 1 } },
    });
  });

  it('writes the report as JSON lines and as a readable summary, and the cassette in order', async () => {
    const lines = (await readFile(join(out, 'drift.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DriftRun | DriftFinding);
    expect(lines[0]).toMatchObject({
      kind: 'run',
      exchanges: run.exchanges,
      cassette: 'recording.cassette.jsonl',
    });
    expect(lines.slice(1)).toEqual(findings);
    const summary = await readFile(join(out, 'drift.md'), 'utf8');
    expect(summary).toContain('## 13 finding(s)');
    expect(summary).toContain(
      '### 7. answer 200 of getImageGenerationTask: `/body/data/task_status`\n\n- rule: `enum`, in the spec at `#/components/schemas/TaskStatus/enum`\n- the spec says: `one of "submitted", "processing", "succeed", "failed"`\n- seen: `"queueing"`\n- how often: 1 of 3 200 answers of GET `/v1/images/generations/{id}`\n- first example: cassette entry 3',
    );
    const cassette = (await readFile(join(out, 'recording.cassette.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; operation: string; answer: { body: string } });
    expect(cassette.map(({ seq, operation }) => `${seq} ${operation}`)).toEqual([
      '1 createImageGenerationTask',
      '2 getImageGenerationTask',
      '3 getImageGenerationTask',
      '4 getImageGenerationTask',
      '5 listImageGenerationTasks',
      '6 createOmniImageTask',
    ]);
    expect(cassette.map(({ answer }) => answer.body)).toEqual(recorded.map(({ body }) => body));
  });

  /** Runs `use` with a mock replaying the cassette in process to other credentials, and closes it after. */
  async function replaying(use: (replay: MockServer, send: ReturnType<typeof sender>) => Promise<void>) {
    const replay = createMockServer({ apiKeys: [REPLAY_KEY], replay: out });
    try {
      await use(replay, sender('http://kling.mock', REPLAY_KEY, replay.fetch));
    } finally {
      await replay.close();
    }
  }

  it('replays the cassette byte for byte, to other credentials, with no platform behind it', () =>
    replaying(async (replay, send) => {
      const replayed = await session(send, () => {});
      expect(replayed.map(({ status }) => status)).toEqual(recorded.map(({ status }) => status));
      expect(replayed.map(({ body }) => body)).toEqual(recorded.map(({ body }) => body));
      expect(replayed.map(({ headers }) => headers.get(REPLAY_HEADER))).toEqual(
        [1, 2, 3, 4, 5, 6].map((seq) => `recording.cassette.jsonl#${seq}`),
      );
      // Nothing was simulated: the replaying mock made no task of its own.
      expect(replay.tasks()).toEqual([]);
    }));

  it("maps this run's external_task_id onto the recorded one, keeps the last state of a task, and rewinds on reset", () =>
    replaying(async (replay, send) => {
      const replayed = await session(send, () => {}, ['run-2-a', 'run-2-b']);
      const withRecordedIds = (seen: Seen) =>
        seen.body.replaceAll('"run-2-a"', '"order-1"').replaceAll('"run-2-b"', '"order-2"');
      expect(replayed.map(withRecordedIds)).toEqual(recorded.map(({ body }) => body));
      expect(JSON.parse(replayed[4]?.body ?? '').data[0].task_info).toEqual({ external_task_id: 'run-2-a' });
      // A fourth poll: the recording holds three, so the task stays as last seen.
      const id = (JSON.parse(recorded[0]?.body ?? '') as { data: { task_id: string } }).data.task_id;
      const again = await send('GET', `/v1/images/generations/${id}`);
      expect(again.headers.get(REPLAY_HEADER)).toBe('recording.cassette.jsonl#4');

      replay.reset();
      const rewound = await session(send, () => {});
      expect(rewound.map(({ body }) => body)).toEqual(recorded.map(({ body }) => body));
    }));

  it('simulates what the cassette does not hold: other creates, their queries, a create once its recordings are used', () =>
    replaying(async (replay, send) => {
      const other = await send('POST', '/v1/images/generations', { prompt: 'never recorded', n: 1 });
      expect(other.status).toBe(200);
      expect(other.headers.get(REPLAY_HEADER)).toBeNull();
      const otherId = (JSON.parse(other.body) as { data: { task_id: string } }).data.task_id;
      const queried = await send('GET', `/v1/images/generations/${otherId}`);
      expect(JSON.parse(queried.body).data).toMatchObject({ task_id: otherId, task_status: 'submitted' });
      expect(queried.headers.get(REPLAY_HEADER)).toBeNull();

      const body = { prompt: 'a red fox in the snow', n: 1, external_task_id: 'order-1' };
      expect((await send('POST', '/v1/images/generations', body)).headers.get(REPLAY_HEADER)).toBe(
        'recording.cassette.jsonl#1',
      );
      const second = await send('POST', '/v1/images/generations', body);
      expect(second.headers.get(REPLAY_HEADER)).toBeNull();
      expect(JSON.parse(second.body).data.task_info).toEqual({ external_task_id: 'order-1' });
      expect(replay.tasks().map(({ task }) => task.task_id)).toEqual([
        otherId,
        JSON.parse(second.body).data.task_id,
      ]);
      // Simulated requests are the mock's own: they need its credentials.
      const stranger = await sender(
        'http://kling.mock',
        PLATFORM_KEY,
        replay.fetch,
      )('GET', `/v1/images/generations/${otherId}`);
      expect(stranger.status).toBe(401);
    }));
});

describe('recording a platform that keeps to the spec', () => {
  it("finds no answer drift through every operation, and reports the app's bad requests with the platform's answer", async () => {
    const out = await mkdtemp(join(tmpdir(), 'kling-drift-'));
    const { platform, url } = await platformWith();
    const recorder = createRecorder({ target: url, out });
    const proxy = await recorder.listen();
    let result: Awaited<ReturnType<typeof recorder.close>>;
    try {
      const send = sender(proxy, PLATFORM_KEY);
      await session(send, () => platform.advanceClock(HOUR));
      await send('GET', '/v1/images/omni-image?pageNum=1&pageSize=10');
      await send('GET', '/v1/images/omni-image/no-such-task');
      await send('POST', '/v1/images/generations', { prompt: 'x', n: 12 });
      // Valid by the schemas, refused by the checks the spec keeps beside them.
      await send('POST', '/v1/images/omni-image', {
        prompt: 'like <<<image_2>>>',
        image_list: [{ image: 'https://images.example/a.png' }],
      });
      await send('POST', '/v1/images/generations', { prompt: 'x', image: SMALL_PNG });
    } finally {
      result = await recorder.close();
      await platform.close();
    }
    try {
      expect(result.findings.filter(({ direction }) => direction === 'answer')).toEqual([]);
      // The bad requests are the app's, and the report says the platform refused them too.
      expect(result.findings).toEqual([
        expect.objectContaining({
          direction: 'request',
          operation: 'createImageGenerationTask',
          pointer: '/body/n',
          rule: 'maximum',
          expected: 'a number <= 9',
          seen: ['12'],
          answered: [400],
        }),
        expect.objectContaining({
          direction: 'request',
          operation: 'createOmniImageTask',
          pointer: '/body/prompt',
          rule: 'x-kling-checks',
          expected: expect.stringMatching(
            /^Invalid parameter prompt: the prompt references an image that image_list does not hold/,
          ),
          answered: [400],
        }),
        expect.objectContaining({
          direction: 'request',
          operation: 'createImageGenerationTask',
          pointer: '/body/image',
          rule: 'x-kling-image',
          expected: expect.stringMatching(/^image: .*300/),
          answered: [400],
        }),
      ]);
      expect(Object.keys(result.run.exchanges).sort()).toEqual([
        'createImageGenerationTask',
        'createOmniImageTask',
        'getImageGenerationTask',
        'getOmniImageTask',
        'listImageGenerationTasks',
        'listOmniImageTasks',
      ]);
      expect(await readFile(join(out, 'drift.md'), 'utf8')).toContain('## 3 finding(s)');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('the drift control', () => {
  let mock: MockServer;
  beforeAll(() => {
    mock = createMockServer({ apiKeys: [PLATFORM_KEY] });
  });
  afterAll(() => mock.close());
  const send = () => sender('http://kling.mock', PLATFORM_KEY, (request) => mock.fetch(request));

  it('is set and unset by configure, shown by config only while set, and leaves errors alone', async () => {
    expect(mock.config()).not.toHaveProperty('drift');
    mock.configure({ drift: { addFields: { extra: { nested: [1] } }, dropFields: ['task_info'] } });
    expect(mock.config().drift).toEqual({ addFields: { extra: { nested: [1] } }, dropFields: ['task_info'] });
    const created = JSON.parse((await send()('POST', '/v1/images/generations', { prompt: 'x' })).body);
    expect(created.data.extra).toEqual({ nested: [1] });
    expect(created.data).not.toHaveProperty('task_info');
    const refused = await send()('POST', '/v1/images/generations', { prompt: 'x', n: 99 });
    expect(JSON.parse(refused.body)).not.toHaveProperty('extra');
    mock.configure({ drift: null });
    expect(mock.config()).not.toHaveProperty('drift');
    const plain = JSON.parse((await send()('POST', '/v1/images/generations', { prompt: 'x' })).body);
    expect(plain.data).not.toHaveProperty('extra');
  });

  it('refuses values that are no drift, all or nothing, naming the field', () => {
    const refuse = (drift: unknown, message: RegExp) => {
      expect(() => mock.configure({ drift: drift as AnswerDrift, limits: { concurrency: 1 } })).toThrow(
        message,
      );
      expect(mock.config().limits).not.toHaveProperty('concurrency', 1);
    };
    refuse({ addField: {} }, /drift has no field "addField"; allowed: addFields, stringFields/);
    refuse(JSON.parse('{"addFields": {"__proto__": {"polluted": true}}}'), /not __proto__/);
    refuse({ dropFields: ['a/b'] }, /drift\.dropFields\[0\] must be a field name/);
    refuse({ stringFields: Array.from({ length: 33 }, (_, i) => `f${i}`) }, /at most 32 field names/);
    refuse({ addFields: { big: 'x'.repeat(5000) } }, /at most 4096 bytes/);
    refuse(
      { statusNames: { queued: 'x' } },
      /drift\.statusNames has no field "queued"; allowed: submitted, processing, succeed, failed/,
    );
    refuse({ statusNames: { processing: '\u001b[2J' } }, /1 to 64 visible ASCII characters/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('is a control like the others: a web page on another origin cannot set it', async () => {
    const url = await mock.listen();
    try {
      const refused = await fetch(`${url}/__mock/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
        body: JSON.stringify({ drift: { addFields: { x: 1 } } }),
      });
      expect(refused.status).toBe(403);
      const set = await fetch(`${url}/__mock/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ drift: { statusNames: { submitted: 'waiting' } } }),
      });
      expect(set.status).toBe(200);
      expect(((await set.json()) as { drift: unknown }).drift).toEqual({
        statusNames: { submitted: 'waiting' },
      });
      const created = JSON.parse((await send()('POST', '/v1/images/generations', { prompt: 'x' })).body);
      expect(created.data.task_status).toBe('waiting');
    } finally {
      mock.configure({ drift: null });
      await mock.close();
    }
  });
});

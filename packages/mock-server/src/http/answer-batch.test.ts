import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { send } from '../../test/fixtures/loopback-http.js';
import { within } from '../../test/fixtures/safety-net.js';
import { checkScheduler } from './answer-batch.js';
import type { MockRequest, MockResponse } from './mock-request.js';
import { createNodeListener } from './node-listener.js';

const ok = (body: string): MockResponse => ({ status: 200, headers: { 'content-type': 'text/plain' }, body });

/** A scheduler the test runs by hand: each call queues one flush. */
function manualScheduler() {
  const flushes: (() => void)[] = [];
  return {
    schedule: (flush: () => void) => {
      flushes.push(flush);
    },
    flushes,
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listening(
  handle: (request: MockRequest) => MockResponse | Promise<MockResponse>,
  schedule: ((flush: () => void) => void) | undefined,
) {
  const door = createNodeListener(handle, 1024, schedule);
  const url = await door.listen();
  closers.push(() => door.close());
  return url;
}

/** A door answering with `answer`, and a promise kept once `count` requests have reached it. */
async function doorSeeing(
  count: number,
  answer: (request: MockRequest) => MockResponse,
  schedule: (flush: () => void) => void,
) {
  let seen = 0;
  let allSeen: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    allSeen = resolve;
  });
  const url = await listening((request) => {
    if (++seen === count) allSeen();
    return answer(request);
  }, schedule);
  return { url, reached: within(5000, `${count} requests reaching the door`, reached) };
}

describe('answers written once per event-loop turn', () => {
  it('holds the answers of one turn until the flush, then writes them all, each to its own client', async () => {
    const { schedule, flushes } = manualScheduler();
    const { url, reached } = await doorSeeing(3, (request) => ok(`answer to ${request.path}`), schedule);
    const answers = Promise.all(['/a', '/b', '/c'].map((path) => send(`${url}${path}`)));
    await reached;
    // All three answers wait for one flush (the first answer asked for it); written one by one, none would.
    expect(flushes.length).toBe(1);
    (flushes.shift() as () => void)();
    expect((await answers).map((answer) => [answer.status, answer.body])).toEqual([
      [200, 'answer to /a'],
      [200, 'answer to /b'],
      [200, 'answer to /c'],
    ]);
  });

  it('asks for one flush per batch, and a new one once the batch has been written', async () => {
    const { schedule, flushes } = manualScheduler();
    const waiting: ((answer: MockResponse) => void)[] = [];
    const url = await listening(
      () => new Promise<MockResponse>((resolve) => waiting.push(resolve)),
      schedule,
    );
    for (const path of ['one', 'two']) {
      const answer = send(`${url}/${path}`);
      await expect.poll(() => waiting.length).toBe(1);
      (waiting.shift() as (answer: MockResponse) => void)(ok(path));
      await expect.poll(() => flushes.length).toBe(1);
      (flushes.shift() as () => void)();
      expect((await answer).body).toBe(path);
    }
  });

  it('drops a connection in turn: an answer pipelined before it on the connection still goes out', async () => {
    const { schedule, flushes } = manualScheduler();
    const { url, reached } = await doorSeeing(
      2,
      (request) =>
        request.path === '/drop' ? { status: 0, headers: {}, body: '', drop: true } : ok('first'),
      schedule,
    );
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /first HTTP/1.1\r\nhost: x\r\n\r\nGET /drop HTTP/1.1\r\nhost: x\r\n\r\n');
    await reached;
    expect(flushes.length).toBe(1);
    (flushes.shift() as () => void)();
    await within(5000, 'the dropped connection closing', closed);
    expect(received.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(received.endsWith('first')).toBe(true);
  });

  it('closes the connection of an answer node refuses to write, and still writes the rest of the batch', async () => {
    const { schedule, flushes } = manualScheduler();
    // A header value with a line break: node refuses it rather than split the header.
    const { url, reached } = await doorSeeing(
      2,
      (request) =>
        request.path === '/broken'
          ? { status: 200, headers: { 'x-broken': 'a\r\nb' }, body: 'never' }
          : ok('fine'),
      schedule,
    );
    const broken = send(`${url}/broken`);
    const fine = send(`${url}/fine`);
    await reached;
    for (const flush of flushes.splice(0)) flush();
    await expect(broken).rejects.toThrow();
    expect((await fine).body).toBe('fine');
  });

  it('answers with the default scheduler while the test fakes every timer, setImmediate included', async () => {
    const door = createNodeListener(() => ok('answered'), 1024);
    const url = await door.listen();
    closers.push(() => door.close());
    vi.useFakeTimers();
    expect(setImmediate).toHaveProperty('clock');
    expect((await send(`${url}/`)).body).toBe('answered');
  });

  it('writes each answer at once without a scheduler, closing the connection of one node refuses', async () => {
    const url = await listening(
      (request) =>
        request.path === '/broken' ? { status: 200, headers: { 'x-broken': 'a\r\nb' }, body: '' } : ok('now'),
      undefined,
    );
    expect((await send(`${url}/`)).body).toBe('now');
    await expect(send(`${url}/broken`)).rejects.toThrow();
    expect((await send(`${url}/`)).body).toBe('now');
  });
});

describe('the scheduler the door starts with', () => {
  it("is node's setImmediate as found at load, unless that was already a fake timer", async () => {
    let ran = 0;
    const real = checkScheduler(setImmediate);
    expect(real).toBeTypeOf('function');
    await new Promise<void>((resolve) =>
      real?.(() => {
        ran++;
        resolve();
      }),
    );
    expect(ran).toBe(1);
    // @sinonjs/fake-timers (vitest's fake timers) marks the functions it installs with their clock.
    const fake = Object.assign(() => {}, { clock: {} });
    expect(checkScheduler(fake)).toBeUndefined();
    expect(checkScheduler(undefined)).toBeUndefined();
  });
});

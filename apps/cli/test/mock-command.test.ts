import { createKlingClient } from '@klingkit/client';
import { describe, expect, it } from 'vitest';
import { startRun } from './run-captured.js';

const TOKEN = 'cli-control-token-0123456789';

/** Starts `kling-images mock` in-process, waits for its start-up lines, and returns how to stop it. */
async function startMock(args: string[], env: NodeJS.ProcessEnv = {}) {
  const interrupt = new AbortController();
  const started = startRun(['mock', '--port', '0', ...args], { env, interrupt: interrupt.signal });
  const ended = await Promise.race([
    started.exited,
    expect
      .poll(() => started.out, { timeout: 10_000 })
      .toContain('Mock controls')
      .then(
        () => undefined,
        () => undefined,
      ),
  ]);
  const port = /listening on http:\/\/[^:]+:(\d+)/.exec(started.out)?.[1];
  return {
    ended,
    out: started.out,
    err: () => started.err,
    base: `http://127.0.0.1:${port}`,
    stop: () => {
      interrupt.abort();
      return started.exited;
    },
  };
}

describe('kling-images mock', () => {
  it('turns the controls off on a non-loopback --host without a token, and says so', async () => {
    // Listens on every interface; the test only talks to 127.0.0.1.
    const mock = await startMock(['--host', '0.0.0.0']);
    try {
      expect(mock.out).toContain(
        'Mock controls are disabled: the mock listens on 0.0.0.0, which is not a loopback address, and no control token is set.',
      );
      const answer = await fetch(`${mock.base}/__mock/stats`);
      expect(answer.status).toBe(403);
      expect(((await answer.json()) as { error: string }).error).toContain('--control-token');
    } finally {
      expect(await mock.stop()).toBe(0);
    }
  });

  it('takes --control-token (or KLING_MOCK_CONTROL_TOKEN), needs it, and never prints it', async () => {
    for (const [args, env] of [
      [['--host', '0.0.0.0', '--control-token', TOKEN], {}],
      [[], { KLING_MOCK_CONTROL_TOKEN: TOKEN }],
    ] as const) {
      const mock = await startMock([...args], env);
      try {
        expect(mock.out).toContain(
          'Mock controls: /__mock/ needs the control token in the x-kling-mock-token header.',
        );
        expect(mock.out).not.toContain(TOKEN);
        expect((await fetch(`${mock.base}/__mock/stats`)).status).toBe(401);
        const allowed = await fetch(`${mock.base}/__mock/stats`, {
          headers: { 'x-kling-mock-token': TOKEN },
        });
        expect(allowed.status).toBe(200);
      } finally {
        expect(await mock.stop()).toBe(0);
      }
    }
  });

  it('builds result URLs on --public-url, and refuses one that is not an http(s) URL', async () => {
    const mock = await startMock(['--profile', 'fast', '--public-url', 'https://kling.example/mock/']);
    try {
      const kling = createKlingClient({
        accessKey: 'demo-access-key',
        secretKey: 'demo-secret-key',
        baseUrl: mock.base,
      });
      const { images } = await kling.tasks.generate('generations', { prompt: 'fox' }, { pollIntervalMs: 10 });
      expect(images[0]?.url).toMatch(/^https:\/\/kling\.example\/mock\/__mock\/images\/\d+\/0\.png$/);
    } finally {
      expect(await mock.stop()).toBe(0);
    }
    const bad = await startMock(['--public-url', 'https://user:pw@kling.example/']);
    expect(bad.ended).toBe(2);
    expect(bad.err()).toContain('--public-url must be an http(s) URL with no user name, password');
  });

  it('refuses a token too short to be one, as a usage error', async () => {
    const mock = await startMock(['--control-token', 'short']);
    expect(mock.ended).toBe(2);
    expect(mock.err()).toContain('The control token must be 16 to 1024 visible ASCII characters');
  });
});

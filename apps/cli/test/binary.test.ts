import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMockServer, type MockServer, TIMING_PROFILES } from '@klingkit/mock-server';
import spec from '@klingkit/spec/openapi.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The CLI as a user runs it: the built binary in its own process, with only the environment given here
 * (none of the test runner's KLING_* variables), over stdout, stderr, exit codes and signals.
 */
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ran: Ran = { code: null, out: '', err: '' };
  child.stdout.on('data', (chunk) => {
    ran.out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    ran.err += chunk;
  });
  const exited = new Promise<Ran>((resolve) =>
    child.on('close', (code) => {
      ran.code = code;
      resolve(ran);
    }),
  );
  return { child, ran, exited };
}

const cli = (args: string[], env: Record<string, string> = {}) => start(args, env).exited;

/** Resolves once `text` has appeared on the child's stderr; rejects if it exits first. */
async function stderrShows(started: ReturnType<typeof start>, text: string): Promise<void> {
  await Promise.race([
    expect.poll(() => started.ran.err, { timeout: 15_000, interval: 20 }).toContain(text),
    started.exited.then((ran) => {
      throw new Error(`the CLI exited (${ran.code}) before printing ${JSON.stringify(text)}: ${ran.err}`);
    }),
  ]);
}

type Schema = { enum?: string[]; default?: unknown; minimum?: number; maximum?: number };
const schemas = (
  spec as unknown as { components: { schemas: Record<string, { properties: Record<string, Schema> }> } }
).components.schemas;
const REQUESTS = ['ImageGenerationCreateRequest', 'OmniImageCreateRequest'] as const;
const PROFILES = Object.keys(TIMING_PROFILES);
const VANISH = /embedded mock server .*its tasks vanish when this command exits/;
const EARLIER_RUN = 'A task from an earlier run cannot exist here';

let dir: string;
/** A mock over HTTP, as `kling-images mock` in another shell would be; `realistic` so waits can be cut. */
let server: MockServer;
let url: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kling-cli-binary-'));
  server = createMockServer({ profile: 'realistic' });
  url = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('kling-images --version', () => {
  it('prints the version of its package.json', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    const ran = await cli(['--version']);
    expect(ran).toMatchObject({ code: 0, out: `${manifest.version}\n`, err: '' });
  });
});

describe('with no credentials: the embedded mock', () => {
  it.each([
    [['generate', 'a red fox', '--out', 'vanish'], 0, false],
    [['generate', 'a red fox', '--out', 'vanish-json', '--json'], 0, false],
    [['get', '179597196367500001'], 1, true],
    [['get', '179597196367500001', '--json'], 1, true],
    [['list'], 0, true],
    [['list', '--json'], 0, true],
  ] as const)('%j says on stderr that its tasks vanish on exit', async (args, code, earlierRun) => {
    const ran = await cli([...args], { KLING_MOCK_PROFILE: 'fast' });
    expect(ran.code, ran.err).toBe(code);
    expect(ran.err).toMatch(VANISH);
    if (earlierRun) expect(ran.err).toContain(EARLIER_RUN);
    else expect(ran.err).not.toContain(EARLIER_RUN);
    // --json output stays stdout's alone.
    if ((args as readonly string[]).includes('--json') && code === 0)
      expect(() => JSON.parse(ran.out)).not.toThrow();
  });

  it('prints no resume command on Ctrl-C, since the task ended with the process', async () => {
    const started = start(['generate', 'a slow fox', '--out', 'interrupted'], {
      KLING_MOCK_PROFILE: 'realistic',
    });
    try {
      await stderrShows(started, 'submitted after');
      started.child.kill('SIGINT');
      const ran = await started.exited;
      expect(ran.code).toBe(130);
      expect(ran.err).toContain('The task ended with the embedded mock; nothing is left to resume.');
      expect(ran.err).not.toContain('kling-images get');
    } finally {
      started.child.kill('SIGKILL');
    }
  });

  it('refuses an unknown KLING_MOCK_PROFILE, naming the allowed values', async () => {
    const ran = await cli(['list'], { KLING_MOCK_PROFILE: 'fsat' });
    expect(ran.code).toBe(2);
    expect(ran.err).toContain(`KLING_MOCK_PROFILE must be one of ${PROFILES.join(', ')}`);
    expect(ran.err).toContain('got "fsat"');
    expect(ran.out).toBe('');
  });
});

describe('KLING_BASE_URL without keys: the demo account at that URL', () => {
  it('generates there, says so, and later commands find the task', async () => {
    const before = server.tasks().length;
    const ran = await cli(['generate', 'a red fox', '--out', 'remote', '--json'], { KLING_BASE_URL: url });
    expect(ran.code, ran.err).toBe(0);
    expect(ran.err).toContain(
      `No credentials set: using the mock's demo account (demo-access-key) at KLING_BASE_URL ${url}`,
    );
    expect(ran.err).not.toMatch(VANISH);
    const { task_id: taskId, images } = JSON.parse(ran.out) as {
      task_id: string;
      images: { path: string }[];
    };
    expect(server.tasks().length).toBe(before + 1);
    expect(images.length).toBeGreaterThan(0);
    expect(await readdir(join(dir, 'remote'))).toHaveLength(images.length);

    const got = await cli(['get', taskId], { KLING_BASE_URL: url });
    expect(got.code, got.err).toBe(0);
    expect(got.out).toContain(`status      succeed`);
    expect(got.err).not.toContain(EARLIER_RUN);
    const listed = await cli(['list', '--json'], { KLING_BASE_URL: url });
    expect((JSON.parse(listed.out) as { task_id: string }[]).map((task) => task.task_id)).toContain(taskId);
  });

  it('prints a resume command on Ctrl-C, and that command works', async () => {
    const started = start(['generate', 'a slow fox', '--out', 'resumed'], { KLING_BASE_URL: url });
    try {
      await stderrShows(started, 'submitted after');
      started.child.kill('SIGINT');
      const ran = await started.exited;
      expect(ran.code).toBe(130);
      const resume = /The task goes on: kling-images (get \S+)/.exec(ran.err)?.[1];
      expect(resume, ran.err).toBeDefined();
      const got = await cli((resume as string).split(' '), { KLING_BASE_URL: url });
      expect(got.code, got.err).toBe(0);
      expect(got.out).toMatch(/^status {6}(submitted|processing|succeed)/m);
    } finally {
      started.child.kill('SIGKILL');
    }
  });

  it.each([
    ['127.0.0.1:4010', 'KLING_BASE_URL must be an absolute http(s) URL'],
    ['file:///etc/passwd', 'KLING_BASE_URL must use http or https; got "file:"'],
    ['http://user:secret@127.0.0.1:4010', 'KLING_BASE_URL must not hold credentials'],
  ])('refuses KLING_BASE_URL=%s before sending anything', async (value, message) => {
    const ran = await cli(['list'], { KLING_BASE_URL: value });
    expect(ran.code).toBe(2);
    expect(ran.err).toContain(message);
    expect(ran.err).not.toContain('secret');
  });

  it('refuses an API key together with a key pair rather than picking one', async () => {
    const ran = await cli(['list'], {
      KLING_BASE_URL: url,
      KLING_API_KEY: 'some-api-key',
      KLING_ACCESS_KEY: 'demo-access-key',
      KLING_SECRET_KEY: 'demo-secret-key',
    });
    expect(ran.code).toBe(2);
    expect(ran.err).toContain('Set either KLING_API_KEY or KLING_ACCESS_KEY + KLING_SECRET_KEY, not both.');
  });
});

describe('help text', () => {
  /** The help line(s) of one option: its first line and the indented lines that continue it. */
  function optionText(help: string, flag: string): string {
    const match = new RegExp(`^  ${flag} .*(?:\\n {20,}.*)*`, 'm').exec(help);
    return (match?.[0] ?? '').replace(/\s+/g, ' ');
  }

  it('names every choice and range of generate from the spec', async () => {
    const ran = await cli(['generate', '--help']);
    expect(ran.code).toBe(0);
    for (const [flag, field] of [
      ['--model M', 'model_name'],
      ['--aspect R', 'aspect_ratio'],
      ['--resolution R', 'resolution'],
    ] as const) {
      const text = optionText(ran.out, flag);
      for (const name of REQUESTS) {
        const schema = schemas[name]?.properties[field] as Schema;
        for (const value of schema.enum ?? []) {
          expect(text).toContain(value === schema.default ? `${value} (default)` : value);
        }
      }
    }
    const n = schemas.ImageGenerationCreateRequest?.properties.n as Schema;
    expect(optionText(ran.out, '--n N')).toContain(`${n.minimum}-${n.maximum} (default ${n.default})`);
    const series = schemas.OmniImageCreateRequest?.properties.series_amount as Schema;
    expect(optionText(ran.out, '--series N')).toContain(`${series.minimum}-${series.maximum}`);
  });

  it('names the ranges of list from the spec', async () => {
    const ran = await cli(['list', '--help']);
    const parameters = (spec as unknown as { components: { parameters: Record<string, { schema: Schema }> } })
      .components.parameters;
    for (const [flag, parameter] of [
      ['--page N', 'PageNum'],
      ['--page-size N', 'PageSize'],
    ] as const) {
      const { minimum, maximum, default: fallback } = parameters[parameter]?.schema ?? ({} as Schema);
      expect(optionText(ran.out, flag)).toContain(`${minimum}-${maximum} (default ${fallback})`);
    }
  });
});

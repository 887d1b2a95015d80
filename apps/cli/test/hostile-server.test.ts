import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { envelope, type HostileApi, startHostileApi } from './hostile-api.js';
import { runCaptured } from './run-captured.js';

/**
 * A hostile Kling API answers the CLI with text meant for the terminal rather than the reader: an OSC 52
 * clipboard write, an OSC 8 hyperlink, clear-screen, a C1 CSI (U+009B), BEL, backspaces and a CR that
 * overwrite the line, and a right-to-left override that reverses what follows.
 */
const OSC52 = '\x1b]52;c;cm0gLXJmIH4=\x07';
const OSC8 = '\x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\';
const CLEAR = '\x1b[2J';
const C1_CSI = '\x9b31m';
const RLO = '\u202e';
const OVERWRITE = '\b\b\b\rTask succeeded';
const HOSTILE = `evil${OSC52}${OSC8}${CLEAR}${C1_CSI}${RLO}gpj.exe${OVERWRITE}\u2066\x7f`;
/** The same characters as the CLI must show them. */
const SHOWN = [
  '\\x1b]52;c;cm0gLXJmIH4=\\x07',
  '\\x1b]8;;https://evil.example\\x1b\\here',
  '\\x1b[2J',
  '\\x9b31m',
  '\\u202egpj.exe',
  '\\x08\\x08\\x08\\rTask succeeded',
  '\\u2066\\x7f',
];

/** Anything a terminal acts on: C0 except newline, DEL, C1, bidi controls, line separators. */
const RAW_CONTROL = /(?!\n)[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

function expectTerminalSafe(text: string) {
  const found = RAW_CONTROL.exec(text);
  expect(
    found && `raw U+${found[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${found.index}`,
  ).toBeNull();
}

function expectShownEscaped(text: string) {
  for (const shown of SHOWN) expect(text).toContain(shown);
}

let api: HostileApi;
let dir: string;
beforeAll(async () => {
  api = await startHostileApi();
  dir = await mkdtemp(join(tmpdir(), 'kling-cli-hostile-'));
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  api.requests.length = 0;
});

/** Runs the CLI in-process against the hostile server, as a real API account would be configured. */
const cli = (args: string[], { tty = false, interrupt = new AbortController().signal } = {}) =>
  runCaptured(args, { env: { KLING_API_KEY: 'test-key', KLING_BASE_URL: api.url }, tty, interrupt });

const hostileTask = (status: string) => ({
  task_id: HOSTILE,
  task_status: status,
  task_status_msg: HOSTILE,
  task_info: { external_task_id: HOSTILE },
  task_result: { images: [{ index: 0, url: `https://cdn.example/${HOSTILE}.png` }] },
  created_at: 1722769600021,
  updated_at: 1722769600021,
});

/** Create answers with the hostile id; every lookup answers the task in `status`. */
function serveTask(status: string) {
  api.handle = ({ method, path }) => {
    if (method === 'POST') return { json: envelope({ task_id: HOSTILE, task_status: 'submitted' }) };
    if (path.startsWith('/v1/images/generations?')) return { json: envelope([hostileTask(status)]) };
    return { json: envelope(hostileTask(status)) };
  };
}

describe('kling-images shows server text with control characters escaped', () => {
  it('generate: progress lines and the failure reason of a failed task', async () => {
    serveTask('failed');
    const result = await cli(['generate', 'a fox', '--out', join(dir, 'never')]);
    expect(result.code).toBe(1);
    expectTerminalSafe(result.out + result.err);
    expect(result.err).toMatch(/^Task evil\\x1b\]52;c;.* failed: evil\\x1b\]52;c;/m);
    expectShownEscaped(result.err);
    // One line per status change and one for the failure: a CR/LF in server text must not make more.
    expect(result.err.split('\n').filter((line) => line.includes('evil'))).toHaveLength(3);
  });

  it('generate on a terminal: the live progress line escapes the task id and status', async () => {
    serveTask('failed');
    const result = await cli(['generate', 'a fox', '--out', join(dir, 'never')], { tty: true });
    expect(result.code).toBe(1);
    // The CLI's own "return and erase the line" is the one sequence it may write.
    const own = result.err.replaceAll('\r\x1b[2K', '');
    expectTerminalSafe(result.out + own);
    expectShownEscaped(own);
  });

  it('generate --json: the JSON holds the exact server text, written with escapes only', async () => {
    serveTask('failed');
    const result = await cli(['generate', 'a fox', '--json', '--out', join(dir, 'never')]);
    expect(result.code).toBe(1);
    expectTerminalSafe(result.out + result.err);
    expect(JSON.parse(result.out)).toEqual({
      task_id: HOSTILE,
      task_status: 'failed',
      task_status_msg: HOSTILE,
    });
  });

  it('generate: a wait that times out quotes the hostile status escaped', async () => {
    serveTask(`processing${CLEAR}${C1_CSI}`);
    const result = await cli(['generate', 'a fox', '--timeout', '0.2', '--out', join(dir, 'never')]);
    expect(result.code).toBe(1);
    expectTerminalSafe(result.out + result.err);
    expect(result.err).toMatch(/did not finish within 200 ms \(last status: processing\\x1b\[2J\\x9b31m\)/);
  });

  it('get: every field of the task, text and --json', async () => {
    serveTask('succeed');
    const text = await cli(['get', 'task-1']);
    expect(text.code).toBe(0);
    expectTerminalSafe(text.out + text.err);
    for (const field of [
      'task        ',
      'status      succeed (',
      'external id ',
      'image #0    https://cdn.example/',
    ])
      expect(text.out).toContain(`${field}evil\\x1b]52;c;`);
    expectShownEscaped(text.out);

    const json = await cli(['get', 'task-1', '--json']);
    expect(json.code).toBe(0);
    expectTerminalSafe(json.out + json.err);
    expect(JSON.parse(json.out)).toEqual(hostileTask('succeed'));
  });

  it('list: each line, text and --json', async () => {
    serveTask(`succeed${RLO}`);
    const text = await cli(['list']);
    expect(text.code).toBe(0);
    expectTerminalSafe(text.out + text.err);
    expectShownEscaped(text.out);
    expect(text.out).toContain('succeed\\u202e');

    const json = await cli(['list', '--json']);
    expect(json.code).toBe(0);
    expectTerminalSafe(json.out + json.err);
    expect(JSON.parse(json.out)).toEqual([hostileTask(`succeed${RLO}`)]);
  });

  it('errors: the API message and request id of an error answer, and a non-JSON error body', async () => {
    api.handle = () => ({ status: 400, json: { code: 1201, message: HOSTILE, request_id: HOSTILE } });
    const apiError = await cli(['get', 'task-1']);
    expect(apiError.code).toBe(1);
    expectTerminalSafe(apiError.out + apiError.err);
    expect(apiError.err).toMatch(/^Error 1201 \(HTTP 400, params\): evil\\x1b\]52;c;/m);
    expect(apiError.err).toMatch(/^request id: evil\\x1b\]52;c;/m);
    expectShownEscaped(apiError.err);

    api.handle = () => ({ status: 403, text: `denied${CLEAR}${OSC52}` });
    const textError = await cli(['list']);
    expect(textError.code).toBe(1);
    expectTerminalSafe(textError.out + textError.err);
    expect(textError.err).toContain('denied\\x1b[2J\\x1b]52;c;');
  });

  it('errors: a timestamp no date can hold is shown, not thrown', async () => {
    api.handle = () => ({ json: envelope({ ...hostileTask('succeed'), created_at: 1e300 }) });
    const result = await cli(['get', 'task-1']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('created     1e+300');
  });
});

describe('Ctrl-C outside a wait', () => {
  it.each([[['get', 'task-1']], [['list']], [['generate', 'a fox']]])(
    '%j exits 130 when Ctrl-C ends a request the server holds',
    async (args) => {
      const interrupt = new AbortController();
      // The server has the request and holds it: that is when the user gives up.
      api.handle = () => {
        interrupt.abort();
        return 'hang';
      };
      const result = await cli(args, { interrupt: interrupt.signal });
      expect(result.code).toBe(130);
      expect(result.err).toContain('Stopped.');
    },
  );
});

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('Ctrl-C during a download (the built CLI in a child process)', () => {
  it('exits 130 and leaves neither the .part file nor an image in --out', async () => {
    // A task that succeeded, with one image on a file host that sends half of it and then goes quiet.
    api.handle = ({ method, path }) => {
      if (path.startsWith('/files/')) return 'stall-image';
      if (method === 'POST') return { json: envelope({ task_id: 'task-sigint', task_status: 'submitted' }) };
      return {
        json: envelope({
          task_id: 'task-sigint',
          task_status: 'succeed',
          task_result: { images: [{ index: 0, url: `${api.url}/files/0.png` }] },
        }),
      };
    };
    const out = join(dir, 'sigint');
    await mkdir(out);
    // Watch before the child starts, so the moment the partial file holds bytes cannot be missed.
    const watcher = watch(out);
    const partialHasBytes = new Promise<string>((resolve) => {
      watcher.on('change', (_event, name) => {
        if (!String(name).endsWith('.part')) return;
        const path = join(out, String(name));
        stat(path).then(
          (info) => info.size > 0 && resolve(path),
          () => {},
        );
      });
    });
    const child = spawn(process.execPath, [MAIN, 'generate', 'a fox', '--out', out], {
      env: { ...process.env, KLING_API_KEY: 'test-key', KLING_BASE_URL: api.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const partial = await Promise.race([
        partialHasBytes,
        exited.then((code) => {
          throw new Error(`the CLI exited (${code}) before writing a partial file: ${stderr}`);
        }),
      ]);
      expect(partial).toMatch(/\.part$/);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      watcher.close();
      child.kill('SIGKILL');
    }
    expect(await readdir(out)).toEqual([]);
    expect(stderr).toContain('Stopped downloading');
    expect(api.requests).toContain('GET /files/0.png');
  });
});

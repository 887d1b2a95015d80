import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kling-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process against the embedded mock (fast timings) and captures what it prints. */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}, interrupt?: AbortSignal) =>
  runCaptured(args, { env: { KLING_MOCK_PROFILE: 'fast', ...env }, ...(interrupt && { interrupt }) });

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

describe('kling-images generate', () => {
  it('generates images with the embedded mock, says so, and writes real PNG files', async () => {
    const out = join(dir, 'gen');
    const result = await cli(['generate', 'a red fox in snow', '--n', '2', '--out', out]);
    expect(result.err).toContain('running on an embedded mock server');
    expect(result.code).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(2);
    for (const file of files)
      expect([...(await readFile(join(out, file))).subarray(0, 4)]).toEqual(PNG_MAGIC);
    expect(result.out).toContain(join(out, files[0] as string));
  });

  it('prints machine-readable results with --json, including Omni series and watermarks', async () => {
    const out = join(dir, 'series');
    const result = await cli([
      'generate',
      'paper boat',
      '--omni',
      '--series',
      '3',
      '--watermark',
      '--json',
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as { family: string; images: { variant: string }[] };
    expect(parsed.family).toBe('omni');
    expect(parsed.images.filter((image) => image.variant === 'image')).toHaveLength(3);
    expect(parsed.images.filter((image) => image.variant === 'watermark')).toHaveLength(3);
  });

  it('sends a local image as raw Base64', async () => {
    const { code, err } = await cli(['generate', 'x', '--image', join(dir, 'missing.png')]);
    expect(code).toBe(2);
    expect(err).toContain('no such file');
    const notImage = join(dir, 'note.txt');
    await writeFile(notImage, 'hello');
    expect((await cli(['generate', 'x', '--image', notImage])).err).toContain('neither a PNG nor a JPEG');
  });

  it.each([
    [['generate'], 'generate needs a prompt'],
    [['generate', 'x', '--n', '10'], '--n must be a whole number from 1 to 9; got "10"'],
    [['generate', 'x', '--aspect', '5:4'], '--aspect 5:4 is not allowed for Image Generation; use one of: '],
    [
      ['generate', 'x', '--resolution', '4k'],
      '--resolution 4k is not allowed for Image Generation; use one of: 1k, 2k',
    ],
    [['generate', 'x', '--series', '3'], '--series needs --omni'],
    [['generate', 'x', '--omni', '--series', '12'], '--series must be a whole number from 2 to 9'],
    [['generate', 'x', '--model', 'kling-v9'], '--model kling-v9 is not allowed'],
    [['generate', 'x', '--bogus'], "Unknown option '--bogus'"],
    [['frobnicate'], 'Unknown command "frobnicate"'],
  ])('rejects %j before any request: %s', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });

  it('prints the API error with code and request id, and exits 1', async () => {
    const result = await cli([
      'generate',
      'x',
      '--negative',
      'blurry',
      '--image',
      'https://example.com/a.png',
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^Error 1201 \(HTTP 400, params\): .*negative_prompt/m);
    expect(result.err).toMatch(/request id: \S+/);
  });
  // Ctrl-C, through the built binary and a real signal: test/binary.test.ts.
});

describe('kling-images get and list', () => {
  it('shows help for every command', async () => {
    for (const command of ['generate', 'get', 'list', 'mock']) {
      const result = await cli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.out).toContain(`Usage: kling-images ${command}`);
    }
  });

  it('reports a missing task with its error code', async () => {
    const result = await cli(['get', 'no-such-task']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('Error 1203');
  });

  it('lists an empty page and validates flags', async () => {
    expect((await cli(['list', '--family', 'omni'])).out).toContain('No omni tasks on page 1.');
    expect((await cli(['list', '--page', '1001'])).err).toContain(
      '--page must be a whole number from 1 to 1000',
    );
    expect((await cli(['get'])).err).toContain('exactly one of <task-id> or --external');
  });

  it('refuses half a key pair', async () => {
    const result = await cli(['list'], { KLING_ACCESS_KEY: 'ak' });
    expect(result.code).toBe(2);
    expect(result.err).toContain('KLING_ACCESS_KEY and KLING_SECRET_KEY go together');
  });
});

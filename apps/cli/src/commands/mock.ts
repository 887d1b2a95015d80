import { parseArgs } from 'node:util';
import {
  CONTROL_TOKEN_ENV,
  CONTROL_TOKEN_HEADER,
  createMockServer,
  DEMO_ACCOUNT,
  TIMING_PROFILES,
  type TimingProfile,
} from '@klingkit/mock-server';
import type { CommandIo } from '../io.js';
import { UsageError } from '../usage-error.js';

const PROFILES = Object.keys(TIMING_PROFILES) as TimingProfile[];

export const mockUsage = `Usage: kling-images mock [--port 4010] [--host 127.0.0.1] [--profile ${PROFILES.join('|')}]
                         [--public-url URL] [--control-token TOKEN]

Starts the Kling mock server over HTTP until Ctrl-C. Point the CLI at it from another shell with
KLING_BASE_URL=<url> (no keys: the CLI then uses the demo account); its tasks last until the mock stops.
Its controls under /__mock/ need the token (--control-token or ${CONTROL_TOKEN_ENV}) in the
${CONTROL_TOKEN_HEADER} header when one is set, and are off when --host is not a loopback address without one.
--public-url is the base of result URLs (behind a proxy); without it they follow a request's Forwarded /
X-Forwarded-Proto / X-Forwarded-Host headers, else its Host. kling-mock takes every other option.`;

export async function mock(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      profile: { type: 'string', default: 'realistic' },
      'public-url': { type: 'string' },
      'control-token': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${mockUsage}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new UsageError(`--port must be 0-65535; got ${JSON.stringify(values.port)}.`);
  const profile = PROFILES.find((name) => name === values.profile);
  if (!profile) {
    throw new UsageError(
      `--profile must be one of ${PROFILES.join(', ')}; got ${JSON.stringify(values.profile)}.`,
    );
  }
  let server: ReturnType<typeof createMockServer>;
  try {
    server = createMockServer({
      profile,
      ...(values['public-url'] !== undefined && { publicUrl: values['public-url'] }),
      controlToken: values['control-token'] ?? (io.env[CONTROL_TOKEN_ENV] || undefined),
    });
  } catch (error) {
    // The options name the flag their own way (publicUrl); a person typed --public-url.
    throw new UsageError(`${(error as Error).message.replace(/^publicUrl\b/, '--public-url')}.`);
  }
  const url = await server.listen({ port, host: values.host });
  io.stdout.write(
    `Kling mock server listening on ${url}\nDemo account: ${DEMO_ACCOUNT.accessKey} / ${DEMO_ACCOUNT.secretKey}\n` +
      `In another shell: KLING_BASE_URL=${url} kling-images generate "a red fox in snow"\n` +
      `${server.controlStatus().message}\n`,
  );
  await new Promise<void>((resolve) =>
    io.interrupt.addEventListener('abort', () => resolve(), { once: true }),
  );
  await server.close();
  io.stdout.write('Mock server stopped.\n');
  return 0;
}

import { parseArgs } from 'node:util';
import { CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER, createMockServer } from '@klingkit/mock-server';
import type { CommandIo } from '../io.js';
import { UsageError } from '../usage-error.js';

export const mockUsage = `Usage: kling-images mock [--port 4010] [--host 127.0.0.1] [--profile fast|realistic]
                         [--control-token TOKEN]

Starts the Kling mock server over HTTP until Ctrl-C. Point the CLI at it with
KLING_BASE_URL=<url> KLING_ACCESS_KEY=demo-access-key KLING_SECRET_KEY=demo-secret-key.
Its controls under /__mock/ need the token (--control-token or ${CONTROL_TOKEN_ENV}) in the
${CONTROL_TOKEN_HEADER} header when one is set, and are off when --host is not a loopback address without one.`;

export async function mock(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      profile: { type: 'string', default: 'realistic' },
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
  if (values.profile !== 'fast' && values.profile !== 'realistic') {
    throw new UsageError(`--profile must be fast or realistic; got ${JSON.stringify(values.profile)}.`);
  }
  let server: ReturnType<typeof createMockServer>;
  try {
    server = createMockServer({
      profile: values.profile,
      controlToken: values['control-token'] ?? (io.env[CONTROL_TOKEN_ENV] || undefined),
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}.`);
  }
  const url = await server.listen({ port, host: values.host });
  io.stdout.write(
    `Kling mock server listening on ${url}\nDemo account: demo-access-key / demo-secret-key\n${server.controlStatus().message}\n`,
  );
  await new Promise<void>((resolve) =>
    io.interrupt.addEventListener('abort', () => resolve(), { once: true }),
  );
  await server.close();
  io.stdout.write('Mock server stopped.\n');
  return 0;
}

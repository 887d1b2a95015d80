import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createKlingClient, type KlingClient } from '@klingkit/client';
import { createMockServer, type MockServer, type MockServerOptions } from '@klingkit/mock-server';
import { conformingFetch, type Violation } from '@klingkit/spec/conformance';

export interface Rig {
  mock: MockServer;
  client: KlingClient;
  baseUrl: string;
  /** Every answer that broke the spec, as seen by the independent validator. */
  violations: Violation[];
  /** Answers Prism produced itself (request or response violations it found), if Prism is in the path. */
  prismProblems: string[];
  close(): Promise<void>;
}

export type Transport = 'in-process' | 'http' | 'prism proxy';

const specYaml = fileURLToPath(new URL('../../../spec/dist/openapi.yaml', import.meta.url));
const prismBin = fileURLToPath(new URL('../node_modules/.bin/prism', import.meta.url));

/** The client wired to a fresh mock through one of the three paths. */
export async function rig(transport: Transport, options: MockServerOptions = {}): Promise<Rig> {
  const mock = createMockServer(options);
  const violations: Violation[] = [];
  const prismProblems: string[] = [];
  let baseUrl = 'http://kling.mock';
  let base: (request: Request) => Promise<Response> = (request) => mock.fetch(request);
  let prism: ChildProcess | undefined;
  if (transport !== 'in-process') {
    baseUrl = await mock.listen();
    base = (request) => fetch(request);
  }
  if (transport === 'prism proxy') {
    const port = await freePort();
    prism = spawn(prismBin, ['proxy', specYaml, baseUrl, '--errors', '-p', String(port), '-h', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitFor(prism, /Prism is listening/);
    baseUrl = `http://127.0.0.1:${port}`;
    const direct = base;
    base = async (request) => {
      const response = await direct(request);
      // Prism answers problem+json when it finds a request or response that breaks the spec.
      if (response.headers.get('content-type')?.includes('problem+json'))
        prismProblems.push(await response.clone().text());
      return response;
    };
  }
  const client = createKlingClient({
    accessKey: 'demo-access-key',
    secretKey: 'demo-secret-key',
    baseUrl,
    fetch: conformingFetch(base, violations),
    maxRetries: 0,
  });
  return {
    mock,
    client,
    baseUrl,
    violations,
    prismProblems,
    async close() {
      prism?.kill('SIGTERM');
      await mock.close();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function waitFor(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Prism did not start in time:\n${output}`)), 30_000);
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`Prism exited with ${code}:\n${output}`)));
  });
}

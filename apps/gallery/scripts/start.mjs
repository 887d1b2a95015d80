// `pnpm gallery`: the mock server on 127.0.0.1:4010 and the gallery's dev server, until Ctrl-C.
import { createMockServer } from '@klingkit/mock-server';
import { createServer } from 'vite';

const mock = createMockServer({ profile: 'realistic' });
const apiUrl = await mock.listen({ port: Number(process.env.KLING_MOCK_PORT ?? 4010), host: '127.0.0.1' });
const vite = await createServer({
  root: new URL('..', import.meta.url).pathname,
  define: { 'import.meta.env.VITE_KLING_BASE_URL': JSON.stringify(apiUrl) },
});
await vite.listen();
console.log(`mock server: ${apiUrl} (demo account demo-access-key / demo-secret-key)`);
console.log(`gallery:     ${vite.resolvedUrls?.local[0]}`);

const stop = async () => {
  await Promise.all([vite.close(), mock.close()]);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

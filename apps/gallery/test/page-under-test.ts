import { fileURLToPath } from 'node:url';
import { type PreviewServer, preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Serves the production build (turbo builds it before tests) on a free loopback port. */
export async function serveGallery(): Promise<{ url: string; server: PreviewServer }> {
  const server = await preview({
    root,
    preview: { port: 0, host: '127.0.0.1', strictPort: false },
    logLevel: 'silent',
  });
  return { url: server.resolvedUrls?.local[0] as string, server };
}

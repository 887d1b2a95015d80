import { defineConfig } from 'vite';

export default defineConfig({
  // Served from any path (the e2e test serves dist/ from a static server of its own).
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});

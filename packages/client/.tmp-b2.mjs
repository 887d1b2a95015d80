import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
const r = await build({ entryPoints: { index: process.argv[2] }, bundle: true, splitting: true, outdir: 'x', minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent', external: ['openapi-fetch'] });
for (const f of r.outputFiles) console.log(f.path.split('/').pop(), gzipSync(f.contents).byteLength);

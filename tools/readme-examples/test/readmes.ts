import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Where the READMEs this tool checks live: the root and every workspace folder. turbo.json declares the
 * same places as inputs of `@klingkit/readme-examples#test` (a README outside them would be checked but
 * not hashed, and a stale pass replayed from the cache); test/turbo-inputs.test.ts holds the two together.
 */
export const README_PATTERNS = [
  'README.md',
  'spec/README.md',
  'packages/*/README.md',
  'apps/*/README.md',
  'tools/README.md',
  'tools/*/README.md',
];

/** READMEs whose TypeScript examples are their point: each must exist and hold at least one ```ts block. */
export const WITH_EXAMPLES = [
  'README.md',
  'spec/README.md',
  'packages/client/README.md',
  'packages/mock-server/README.md',
];

/** Every README the patterns name in `root`, as paths relative to it (one `*` stands for one folder). */
export function findReadmes(root = REPO): string[] {
  const found: string[] = [];
  for (const pattern of README_PATTERNS) {
    const [parent, star, file] = pattern.split('/');
    if (star !== '*' || !parent || !file) {
      if (existsSync(join(root, pattern))) found.push(pattern);
      continue;
    }
    const folders = readdirSync(join(root, parent), { withFileTypes: true }).filter((entry) =>
      entry.isDirectory(),
    );
    for (const folder of folders.map((entry) => entry.name).sort()) {
      const path = `${parent}/${folder}/${file}`;
      if (existsSync(join(root, path))) found.push(path);
    }
  }
  return found;
}

/** Every ```ts block of a Markdown file, with the line it starts on. */
export function typescriptBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const pattern = /^```(?:ts|typescript)\n([\s\S]*?)^```/gm;
  for (const match of markdown.matchAll(pattern)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1] as string });
  }
  return blocks;
}

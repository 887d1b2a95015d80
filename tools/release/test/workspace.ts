/** Small throwaway pnpm workspaces, shaped like klingkit's, for the gate, CLI and baseline tests. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { findRoot } from '../src/repo.js';

export const REPO_ROOT = findRoot(fileURLToPath(new URL('.', import.meta.url)));

export interface WorkspaceOptions {
  /** Extra files, by path relative to the workspace root; objects are written as JSON. */
  files?: Record<string, unknown>;
  /** Pending changesets: file name (without .md) -> content. */
  changesets?: Record<string, string>;
  specVersion?: string;
}

function write(file: string, content: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
}

/**
 * The spec package, two public packages that depend on it (the client also through the mock), and a
 * private tool that depends on it too; the changesets config is the repository's own.
 */
export function makeWorkspace(options: WorkspaceOptions = {}): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'klingkit-release-ws-'));
  const version = options.specVersion ?? '0.1.0';
  write(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - spec\n  - packages/*\n  - tools/*\n');
  write(join(root, 'package.json'), { name: 'fixture-root', private: true });
  write(join(root, 'spec/package.json'), { name: '@klingkit/spec', version });
  write(join(root, 'packages/client/package.json'), {
    name: '@klingkit/client',
    version: '0.1.0',
    dependencies: { '@klingkit/spec': 'workspace:*' },
  });
  write(join(root, 'packages/mock-server/package.json'), {
    name: '@klingkit/mock-server',
    version: '0.1.0',
    dependencies: { '@klingkit/client': 'workspace:*', '@klingkit/spec': 'workspace:*' },
  });
  write(join(root, 'tools/helper/package.json'), {
    name: '@klingkit/helper',
    version: '0.0.0',
    private: true,
    dependencies: { '@klingkit/spec': 'workspace:*' },
  });
  write(
    join(root, '.changeset/config.json'),
    readFileSync(join(REPO_ROOT, '.changeset/config.json'), 'utf8'),
  );
  write(join(root, '.changeset/README.md'), '# Changesets\n');
  for (const [name, content] of Object.entries(options.changesets ?? {})) {
    write(join(root, '.changeset', `${name}.md`), content);
  }
  for (const [file, content] of Object.entries(options.files ?? {})) write(join(root, file), content);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** A changeset file giving each listed package a bump. */
export function changeset(bumps: Record<string, string>, summary = 'Spec: a change.'): string {
  const lines = Object.entries(bumps).map(([name, bump]) => `"${name}": ${bump}`);
  return `---\n${lines.join('\n')}\n---\n\n${summary}\n`;
}

export const FOLLOWERS = ['@klingkit/spec', '@klingkit/client', '@klingkit/mock-server'];

export function allFollowers(bump: string): Record<string, string> {
  return Object.fromEntries(FOLLOWERS.map((name) => [name, bump]));
}

/** For the calling test file: makes workspaces as `makeWorkspace` does, and removes them after each test. */
export function workspacesRemovedAfterEach(): (options?: WorkspaceOptions) => string {
  const removals: (() => void)[] = [];
  afterEach(() => {
    for (const remove of removals.splice(0)) remove();
  });
  return (options = {}) => {
    const { root, remove } = makeWorkspace(options);
    removals.push(remove);
    return root;
  };
}

/** Where the release loop finds things in the repository. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { getPackages, type Package } from '@manypkg/get-packages';

/** The spec package's folder, relative to the root: it holds the bundle and the baseline. */
export const SPEC_DIR = 'spec';
/** The bundled spec `pnpm --filter @klingkit/spec bundle` writes. */
export const BUNDLE = join(SPEC_DIR, 'dist', 'openapi.json');
/** The bundled spec as last released, committed; only `pnpm version-packages` rewrites it. */
export const BASELINE = join(SPEC_DIR, 'baseline', 'openapi.json');

/** The workspace root: the nearest folder at or above `from` with a pnpm-workspace.yaml. */
export function findRoot(from = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml at or above ${from}`);
    dir = parent;
  }
}

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function specVersion(root: string): string {
  return String((readJson(join(root, SPEC_DIR, 'package.json')) as { version: unknown }).version);
}

export interface Follower {
  name: string;
  version: string;
  dir: string;
}

/**
 * The published packages that follow the spec: the spec package itself and every public package that
 * depends on it at run time (today @klingkit/client and @klingkit/mock-server). Read from the
 * workspace, so a new package that builds on the spec is held to the gate without a list to update.
 */
export async function specFollowers(root: string): Promise<{ spec: Follower; followers: Follower[] }> {
  const { packages } = await getPackages(root);
  const specDir = resolve(root, SPEC_DIR);
  const spec = packages.find((pkg) => resolve(pkg.dir) === specDir);
  if (!spec) throw new Error(`no workspace package in ${SPEC_DIR}/`);
  const name = spec.packageJson.name;
  const dependsOnSpec = (pkg: Package) => {
    const json = pkg.packageJson as Package['packageJson'] & { peerDependencies?: Record<string, string> };
    return Boolean(json.dependencies?.[name] ?? json.peerDependencies?.[name]);
  };
  const toFollower = (pkg: Package): Follower => ({
    name: pkg.packageJson.name,
    version: pkg.packageJson.version,
    dir: pkg.dir,
  });
  const followers = [
    spec,
    ...packages.filter((pkg) => pkg !== spec && !pkg.packageJson.private && dependsOnSpec(pkg)),
  ];
  return { spec: toFollower(spec), followers: followers.map(toFollower) };
}

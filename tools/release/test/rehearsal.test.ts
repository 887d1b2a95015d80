/**
 * A release rehearsal in a throwaway copy of the repository: the files git knows (committed or not,
 * as they are on disk) plus the built packages, with every node_modules linked to the real ones.
 * In the copy: change the spec, add a changeset, check `pnpm spec:diff`, run `pnpm version-packages`,
 * render the docs, then pack and check the packages with the release script's dry run. (That a spec
 * change without its changeset fails is cli.test.ts's business.)
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { getPackages } from '@manypkg/get-packages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE, BUNDLE } from '../src/repo.js';
import { FOLLOWERS, REPO_ROOT } from './workspace.js';

const run = promisify(execFile);
const SUMMARY = 'Spec: the rehearsal rewords the summary.';

function bumpMinor(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  return `${major}.${(minor ?? 0) + 1}.0`;
}

async function sh(cwd: string, command: string, args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TURBO_TELEMETRY_DISABLED: '1',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
  };
  return run(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
    (failed: { code: number; stdout: string; stderr: string }) => ({
      code: failed.code,
      out: failed.stdout + failed.stderr,
    }),
  );
}

/**
 * A package's node_modules in the copy: links to the real installed dependencies, except the
 * workspace's own packages, which link to their copies (pnpm pack reads the version a `workspace:*`
 * dependency becomes from there, and the version step has just changed it).
 */
function linkNodeModules(realDir: string, copyDir: string, workspace: Map<string, string>): void {
  const realModules = join(realDir, 'node_modules');
  const copyModules = join(copyDir, 'node_modules');
  mkdirSync(copyModules);
  for (const entry of readdirSync(realModules)) {
    const scoped = entry.startsWith('@')
      ? readdirSync(join(realModules, entry)).map((name) => `${entry}/${name}`)
      : [entry];
    for (const name of scoped) {
      mkdirSync(dirname(join(copyModules, name)), { recursive: true });
      symlinkSync(workspace.get(name) ?? join(realModules, name), join(copyModules, name));
    }
  }
}

let copy: string;
let versions: Map<string, { dir: string; version: string; private: boolean }>;
const json = (file: string) => JSON.parse(readFileSync(join(copy, file), 'utf8'));

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'klingkit-rehearsal-'));
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file && existsSync(join(REPO_ROOT, file)));
  for (const file of listed) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(copy, file));
  }
  const { packages } = await getPackages(REPO_ROOT);
  const names = new Map(
    packages.map((pkg) => [pkg.packageJson.name, join(copy, relative(REPO_ROOT, pkg.dir))]),
  );
  versions = new Map();
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
  for (const pkg of packages) {
    const dir = relative(REPO_ROOT, pkg.dir);
    versions.set(pkg.packageJson.name, {
      dir,
      version: pkg.packageJson.version,
      private: Boolean(pkg.packageJson.private),
    });
    if (existsSync(join(pkg.dir, 'node_modules'))) linkNodeModules(pkg.dir, join(copy, dir), names);
    // What is packed is what `pnpm build` made; the spec's bundle is rebuilt by the version step.
    if (!pkg.packageJson.private && existsSync(join(pkg.dir, 'dist')))
      cpSync(join(pkg.dir, 'dist'), join(copy, dir, 'dist'), { recursive: true });
  }
  // Start from "nothing pending", whatever the working tree holds.
  for (const file of readdirSync(join(copy, '.changeset'))) {
    if (file.endsWith('.md') && file !== 'README.md') rmSync(join(copy, '.changeset', file));
  }
}, 60_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('release rehearsal (temporary copy of the repository)', () => {
  it('spec change + changeset -> spec:diff passes -> version-packages -> docs -> pack and check', async () => {
    const specFile = join(copy, 'spec/openapi.yaml');
    const yaml = readFileSync(specFile, 'utf8');
    expect(yaml).toMatch(/^ {2}summary: .+$/m);
    writeFileSync(specFile, yaml.replace(/^( {2}summary: .+)$/m, '$1 Rehearsed.'));

    const bumps = FOLLOWERS.map((name) => `"${name}": minor`).join('\n');
    writeFileSync(join(copy, '.changeset/rehearsal.md'), `---\n${bumps}\n---\n\n${SUMMARY}\n`);
    const covered = await sh(copy, 'pnpm', ['run', '--silent', 'spec:diff']);
    expect(covered.code, covered.out).toBe(0);
    expect(covered.out).toContain('summary changed: documentation only');
    expect(covered.out).toContain('OK: the pending changesets cover every change.');

    const versioned = await sh(copy, 'pnpm', ['run', '--silent', 'version-packages']);
    expect(versioned.code, versioned.out).toBe(0);
    expect(versioned.out).toContain('spec baseline refreshed');

    for (const [name, pkg] of versions) {
      const now = json(join(pkg.dir, 'package.json')).version;
      if (FOLLOWERS.includes(name)) {
        expect(now, name).toBe(bumpMinor(pkg.version));
        const changelog = readFileSync(join(copy, pkg.dir, 'CHANGELOG.md'), 'utf8');
        expect(changelog, name).toContain(`## ${bumpMinor(pkg.version)}`);
        expect(changelog, name).toContain('### Minor Changes');
        expect(changelog, name).toContain(SUMMARY);
      } else if (pkg.private) {
        // Private packages are never versioned (privatePackages.version: false).
        expect(now, name).toBe(pkg.version);
        expect(existsSync(join(copy, pkg.dir, 'CHANGELOG.md')), name).toBe(false);
      }
    }
    expect(readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md'))).toEqual(['README.md']);

    const released = bumpMinor(versions.get('@klingkit/spec')?.version ?? '');
    const baseline = readFileSync(join(copy, BASELINE), 'utf8');
    expect(baseline).toBe(readFileSync(join(copy, BUNDLE), 'utf8'));
    expect(JSON.parse(baseline).info.version).toBe(released);
    expect(JSON.parse(baseline).info.summary).toMatch(/Rehearsed\.$/);
    // The root script again would only rebuild what is built; the gate itself is what is checked.
    const after = await sh(copy, process.execPath, ['tools/release/dist/cli.js']);
    expect(after.code, after.out).toBe(0);
    expect(after.out).toContain(
      `the bundled spec equals the last released one (spec/baseline/openapi.json, ${released})`,
    );

    const docs = await sh(join(copy, 'spec'), 'pnpm', ['run', '--silent', 'docs']);
    expect(docs.code, docs.out).toBe(0);
    expect(readFileSync(join(copy, 'spec/dist/index.html'), 'utf8')).toContain(
      `Kling AI Image API (${released})`,
    );

    const packs = join(copy, 'packs');
    mkdirSync(packs);
    const packed = await sh(copy, process.execPath, [
      'tools/release/dist/release.js',
      '--dry-run',
      '--pack-dir',
      packs,
    ]);
    expect(packed.code, packed.out).toBe(0);
    const tarballs = readdirSync(packs).sort();
    expect(tarballs).toEqual(
      FOLLOWERS.map(
        (name) => `${name.slice(1).replace('/', '-')}-${bumpMinor(versions.get(name)?.version ?? '')}.tgz`,
      ).sort(),
    );
    const client = JSON.parse(
      execFileSync(
        'tar',
        ['-xzOf', join(packs, tarballs.find((t) => t.includes('client')) ?? ''), 'package/package.json'],
        {
          encoding: 'utf8',
        },
      ),
    );
    // pnpm pack turns workspace:* into the version being released.
    expect(client.dependencies['@klingkit/spec']).toBe(released);
  }, 120_000);
});

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a user of the published packages gets: the three packed with `pnpm pack` (which rewrites the
 * `workspace:` ranges), installed with npm into a fresh project outside the repository, type-checked and
 * run there. The install reaches the npm registry for the packages' own dependencies.
 */
const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const here = fileURLToPath(new URL('../', import.meta.url));
const tsc = join(here, 'node_modules', '.bin', 'tsc');

const PACKAGES = [
  { name: '@klingkit/spec', dir: 'spec' },
  { name: '@klingkit/client', dir: 'packages/client' },
  { name: '@klingkit/mock-server', dir: 'packages/mock-server' },
] as const;
type PackageName = (typeof PACKAGES)[number]['name'];

interface Manifest {
  name: string;
  version: string;
  description?: string;
  keywords?: string[];
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
}

/**
 * A child process's environment without what pnpm passes to scripts (its npm_config_* settings, such as
 * engine-strict, and npm_package_*), keeping how this machine reaches the registry.
 */
const KEPT_NPM_SETTINGS =
  /^npm_config_(registry|cache|userconfig|cafile|strict_ssl|(https_|no)?proxy|@[^:]+:registry)$/i;
function consumerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key) || KEPT_NPM_SETTINGS.test(key)),
  );
}

async function exec(command: string, args: string[], cwd: string, timeout = 120_000) {
  try {
    return await run(command, args, { cwd, env: consumerEnv(), timeout, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`, {
      cause: error,
    });
  }
}

let project: string;
/** The nodenext check also emits the JavaScript the runs use; it runs once, whichever test asks first. */
let nodenext: Promise<unknown> | undefined;
const compiled = () => {
  nodenext ??= exec(tsc, ['-p', 'tsconfig.nodenext.json'], project);
  return nodenext;
};
const packed = new Map<PackageName, { filename: string; files: string[] }>();
const installed = (name: PackageName) => join(project, 'node_modules', ...name.split('/'));
const manifest = async (name: PackageName) =>
  JSON.parse(await readFile(join(installed(name), 'package.json'), 'utf8')) as Manifest;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'klingkit-packed-'));
  const tarballs = join(project, 'tarballs');
  await mkdir(tarballs);
  for (const { name, dir } of PACKAGES) {
    const { stdout } = await exec(
      'pnpm',
      ['pack', '--json', '--pack-destination', tarballs],
      join(repo, dir),
    );
    const result = JSON.parse(stdout) as { filename: string; files: { path: string }[] };
    packed.set(name, { filename: result.filename, files: result.files.map((file) => file.path) });
  }
  // The @types/node this tool is checked with (its own range is `catalog:`, which only pnpm reads).
  const typesNode = JSON.parse(
    await readFile(join(here, 'node_modules', '@types', 'node', 'package.json'), 'utf8'),
  ) as Manifest;
  const tarball = (name: PackageName) => `file:${packed.get(name)?.filename}`;
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'klingkit-packed-consumer',
        private: true,
        type: 'module',
        dependencies: {
          ...Object.fromEntries(PACKAGES.map(({ name }) => [name, tarball(name)])),
          '@types/node': typesNode.version,
        },
        // The packages name each other by version range; the registry must not answer for them.
        overrides: Object.fromEntries(PACKAGES.map(({ name }) => [name, `$${name}`])),
      },
      null,
      2,
    )}\n`,
  );
  const consumer = join(here, 'consumer');
  for (const file of await readdir(consumer)) await copyFile(join(consumer, file), join(project, file));
  await exec(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    project,
    200_000,
  );
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('hold what their manifests promise and nothing of the tests', () => {
    for (const { name } of PACKAGES) {
      const files = packed.get(name)?.files ?? [];
      expect(files, name).toContain('README.md');
      // The manifests say MIT; the licence text travels with the code, as MIT asks.
      expect(files, name).toContain('LICENSE');
      expect(
        files.filter((file) => /\.test\.[cm]?[jt]s$|(^|\/)test\//.test(file)),
        name,
      ).toEqual([]);
    }
    expect(packed.get('@klingkit/spec')?.files).toEqual(
      expect.arrayContaining([
        'dist/openapi.json',
        'dist/openapi.yaml',
        'dist/index.html',
        'conformance.mjs',
      ]),
    );
  });

  it('have a description and keywords a search finds', async () => {
    for (const { name } of PACKAGES) {
      const { description = '', keywords = [] } = await manifest(name);
      expect(description, name).toMatch(/Kling AI image/);
      expect(keywords, name).toEqual(expect.arrayContaining(['kling', 'kling-ai', 'openapi']));
    }
  });

  it('name each other with ranges, and npm installs one copy of each', async () => {
    const client = await manifest('@klingkit/client');
    const mock = await manifest('@klingkit/mock-server');
    expect(mock.dependencies?.['@klingkit/client']).toBe(`^${client.version}`);
    for (const { name } of PACKAGES) {
      const { dependencies = {} } = await manifest(name);
      // pnpm pack writes real ranges for its own protocols (workspace:, catalog:), which npm cannot read.
      for (const [dependency, range] of Object.entries(dependencies))
        expect(range, `${name} -> ${dependency}`).not.toMatch(/^(workspace|catalog):/);
    }
    expect(existsSync(join(installed('@klingkit/mock-server'), 'node_modules', '@klingkit', 'client'))).toBe(
      false,
    );
  });

  it('have READMEs that link to nothing outside the package', async () => {
    for (const { name } of PACKAGES) {
      const dir = installed(name);
      const readme = await readFile(join(dir, 'README.md'), 'utf8');
      const links = [...readme.matchAll(/\]\(([^)\s]+)\)|^\[[^\]]+\]:\s*(\S+)/gm)].map(
        (match) => (match[1] ?? match[2]) as string,
      );
      for (const link of links) {
        if (/^(https?:|mailto:|#)/.test(link)) continue;
        const target = resolve(dir, decodeURI(link.split('#')[0] as string));
        expect(target.startsWith(dir + sep) && existsSync(target), `${name} README links to ${link}`).toBe(
          true,
        );
      }
    }
  });

  it('have READMEs that name every export', async () => {
    for (const { name } of PACKAGES) {
      const readme = await readFile(join(installed(name), 'README.md'), 'utf8');
      const entries = Object.keys((await manifest(name)).exports ?? {}).filter(
        (key) => key !== './package.json',
      );
      for (const entry of entries) {
        expect(readme, `${name} README names ${entry}`).toContain(`${name}${entry.slice(1)}`);
      }
    }
  });
});

describe('a consumer of the installed tarballs', () => {
  it.each(['nodenext', 'bundler'])(
    'type-checks under strict with moduleResolution %s, refusing every must-fail case',
    async (variant) => {
      await (variant === 'nodenext' ? compiled() : exec(tsc, ['-p', `tsconfig.${variant}.json`], project));
    },
  );

  it('generates against the in-process mock, downloads, fails on purpose and reads a callback', async () => {
    await compiled();
    const images = join(project, 'images');
    const { stdout } = await exec(process.execPath, ['out/consumer.js', images], project);
    const result = JSON.parse(stdout) as {
      status: string;
      images: number;
      files: { path: string; bytes: number }[];
      failure: string;
      apiError: { code: number; httpStatus: number };
      callbackTaskId: string;
      taskId: string;
      violations: unknown[];
      openapi: string;
    };
    expect(result).toMatchObject({
      status: 'succeed',
      images: 2,
      failure: 'content policy',
      apiError: { code: 1203, httpStatus: 404 },
      callbackTaskId: result.taskId,
      violations: [],
    });
    expect(result.openapi).toMatch(/^3\.1\./);
    expect(result.files).toHaveLength(2);
    for (const file of result.files) {
      expect(file.path.startsWith(images + sep)).toBe(true);
      const bytes = await readFile(file.path);
      expect(bytes.length).toBe(file.bytes);
      expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
  });

  it('can require() every entry from CommonJS on this Node.js', async () => {
    await compiled();
    const { stdout } = await exec(process.execPath, ['out/require.cjs'], project);
    expect(JSON.parse(stdout)).toEqual({
      '@klingkit/client': 'function',
      '@klingkit/client/callbacks': 'function',
      '@klingkit/client/node': 'function',
      '@klingkit/client/spec-facts': 'function',
      '@klingkit/mock-server': 'function',
      '@klingkit/mock-server/testing': 'function',
      '@klingkit/spec/conformance': 'function',
    });
  });
});

/** Packs the public packages as they would be published and checks each tarball with publint and attw. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { getPackages } from '@manypkg/get-packages';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

export interface PackedPackage {
  name: string;
  version: string;
  dir: string;
  tarball: string;
  problems: string[];
}

/** attw's own executable, from this package's dependencies. */
function attwBin(): string {
  const manifest = require.resolve('@arethetypeswrong/cli/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> };
  return resolve(dirname(manifest), typeof bin === 'string' ? bin : (bin.attw as string));
}

/**
 * Subpaths that export data files no module system resolves (the spec's YAML): attw would report them
 * as unresolvable, which says nothing about the package's types.
 */
function dataEntrypoints(exportsField: unknown): string[] {
  if (typeof exportsField !== 'object' || exportsField === null) return [];
  return Object.entries(exportsField as Record<string, unknown>)
    .filter(([, target]) => typeof target === 'string' && /\.ya?ml$/.test(target))
    .map(([subpath]) => subpath);
}

async function attw(tarball: string, exportsField: unknown): Promise<string[]> {
  const exclude = dataEntrypoints(exportsField);
  const args = [tarball, '--profile', 'esm-only', '--format', 'ascii'];
  if (exclude.length > 0) args.push('--exclude-entrypoints', ...exclude);
  try {
    await run(process.execPath, [attwBin(), ...args], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    return [];
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return [
      stripVTControlCharacters(
        `attw: ${(failed.stdout ?? '') + (failed.stderr ?? '') || failed.message}`.trim(),
      ),
    ];
  }
}

/** The workspace's public packages (private ones are never versioned or published). */
export async function publicPackages(root: string) {
  const { packages } = await getPackages(root);
  return packages
    .filter((pkg) => !pkg.packageJson.private)
    .sort((a, b) => a.packageJson.name.localeCompare(b.packageJson.name));
}

/**
 * `pnpm pack` each public package into `into` (workspace: ranges become the versions being released),
 * then publint and attw on the tarball. `checks: false` packs only.
 */
export async function packAll(
  root: string,
  options: { into?: string; checks?: boolean } = {},
): Promise<PackedPackage[]> {
  const into = options.into ?? mkdtempSync(join(tmpdir(), 'klingkit-pack-'));
  const packed: PackedPackage[] = [];
  for (const pkg of await publicPackages(root)) {
    const before = new Set(readdirSync(into));
    await run('pnpm', ['pack', '--pack-destination', into], { cwd: pkg.dir });
    const tarball = readdirSync(into).find((file) => file.endsWith('.tgz') && !before.has(file));
    if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${pkg.packageJson.name}`);
    const file = join(into, tarball);
    const problems: string[] = [];
    if (options.checks !== false) {
      const bytes = readFileSync(file);
      const result = await publint({
        pack: {
          tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        },
        level: 'suggestion',
        strict: true,
      });
      problems.push(
        // formatMessage colours its text where it guesses a terminal (CI=true counts): keep the text.
        ...result.messages.map(
          (message) =>
            `publint: ${stripVTControlCharacters(formatMessage(message, result.pkg) ?? message.code)}`,
        ),
      );
      problems.push(...(await attw(file, (pkg.packageJson as { exports?: unknown }).exports)));
    }
    packed.push({
      name: pkg.packageJson.name,
      version: pkg.packageJson.version,
      dir: pkg.dir,
      tarball: file,
      problems,
    });
  }
  return packed;
}

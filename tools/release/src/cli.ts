#!/usr/bin/env node
/**
 * `pnpm spec:diff`: lists every change of the bundled spec since the last release, classified, and fails
 * when the pending changesets do not bump the spec and the packages that follow it enough.
 * Exit 0: covered (or unchanged). 1: not covered, or the baseline is stale. 2: bad usage or unreadable file.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateGate, formatReport, readReleasePlan } from './gate.js';
import { BASELINE, BUNDLE, findRoot, readJson, specFollowers, specVersion } from './repo.js';
import { diffSpecs } from './spec-diff.js';

const USAGE = `Usage: pnpm spec:diff [--json] [--baseline FILE] [--current FILE] [--root DIR]

Compares the bundled spec (${BUNDLE}) with the spec as last released (${BASELINE}), lists each change with
its JSON pointer, class (breaking / additive / docs-only) and reason, and checks that the pending
changesets bump the spec package and every package that follows it at least as much as the changes need:
breaking -> major, additive -> minor, docs-only -> patch.

  --json            print the result as JSON (changes, required bump, each package's bump)
  --baseline FILE   compare against FILE instead of ${BASELINE}
  --current FILE    compare FILE instead of ${BUNDLE}
  --root DIR        the workspace root (default: found from the current folder)`;

class UsageError extends Error {}

function load(file: string, what: string, hint: string): unknown {
  if (!existsSync(file)) throw new UsageError(`${what} not found: ${file}\n${hint}`);
  try {
    return readJson(file);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${file}: ${(error as Error).message}`);
  }
}

function versionOf(doc: unknown): string {
  const info = (doc as { info?: { version?: unknown } } | null)?.info;
  return typeof info?.version === 'string' ? info.version : '(no info.version)';
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        baseline: { type: 'string' },
        current: { type: 'string' },
        root: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    args = parse();
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const root = findRoot(args.values.root ?? process.cwd());
  const baselineFile = args.values.baseline ?? join(root, BASELINE);
  const currentFile = args.values.current ?? join(root, BUNDLE);
  const baseline = load(
    baselineFile,
    'the released spec (baseline)',
    `It is committed, and rewritten only by \`pnpm version-packages\`.`,
  );
  const current = load(currentFile, 'the bundled spec', 'Build it: pnpm --filter @klingkit/spec bundle');

  const version = specVersion(root);
  if (!args.values.baseline && versionOf(baseline) !== version) {
    console.error(
      `spec:diff: ${BASELINE} is the spec of version ${versionOf(baseline)}, but @klingkit/spec is at ${version}.\n` +
        'The baseline is refreshed by `pnpm version-packages` (changeset version, then the refresh); ' +
        '`changeset version` alone leaves it behind. Run `pnpm version-packages`, or restore the package versions.',
    );
    return 1;
  }

  const changes = diffSpecs(baseline, current);
  const { followers } = await specFollowers(root);
  const gate = evaluateGate(changes, await readReleasePlan(root), followers);
  const shown = { path: relative(root, baselineFile) || baselineFile, version: versionOf(baseline) };
  if (args.values.json) {
    console.log(
      JSON.stringify(
        { ok: gate.ok, baseline: shown, required: gate.required, packages: gate.packages, changes },
        null,
        2,
      ),
    );
  } else {
    (gate.ok ? console.log : console.error)(formatReport(changes, gate, shown));
  }
  return gate.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`spec:diff: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);

/**
 * The gate: every spec change since the last release must be covered by the pending changesets, for the
 * spec package and every package that follows it. breaking -> major, additive -> minor, docs-only -> patch.
 *
 * Bumps mean what changesets makes of them, below 1.0 as well: a breaking change needs a `major`
 * changeset even on 0.x, and changesets then releases 0.1.0 -> 1.0.0. npm's 0.x convention (a minor may
 * break) is not applied: the same changeset word would then mean "breaking" below 1.0 and "compatible"
 * above it, and neither a reviewer nor the changelog could tell which a change was.
 */
import getReleasePlanModule from '@changesets/get-release-plan';
import type { ReleasePlan } from '@changesets/types';
import { BUMP_FOR_CLASS, type Bump, bumpRank, requiredBump, type SpecChange } from './change.js';
import type { Follower } from './repo.js';

// The package is CommonJS with an ESM wrapper whose default export is the module object under Node.
const getReleasePlan = ((getReleasePlanModule as unknown as { default?: unknown }).default ??
  getReleasePlanModule) as (cwd: string) => Promise<ReleasePlan>;

export function readReleasePlan(root: string): Promise<ReleasePlan> {
  return getReleasePlan(root);
}

export interface PackageVerdict {
  name: string;
  version: string;
  /** The bump the pending changesets give it (including bumps changesets adds for dependents). */
  bump: Bump;
  /** The version `pnpm version-packages` would write. */
  newVersion: string;
  /** The changeset files (ids) that bump it. */
  changesets: string[];
  enough: boolean;
}

export interface GateResult {
  ok: boolean;
  required: Bump;
  packages: PackageVerdict[];
}

export function evaluateGate(
  changes: readonly SpecChange[],
  plan: ReleasePlan,
  followers: readonly Follower[],
): GateResult {
  const required = requiredBump(changes);
  const packages = followers.map((follower): PackageVerdict => {
    const release = plan.releases.find((r) => r.name === follower.name);
    const bump = (release?.type ?? 'none') as Bump;
    return {
      name: follower.name,
      version: follower.version,
      bump,
      newVersion: release && release.type !== 'none' ? release.newVersion : follower.version,
      changesets: release?.changesets ?? [],
      enough: bumpRank(bump) >= bumpRank(required),
    };
  });
  return { ok: packages.every((p) => p.enough), required, packages };
}

const WORD: Record<SpecChange['class'], string> = {
  breaking: 'BREAKING',
  additive: 'additive',
  'docs-only': 'docs-only',
};

export function formatChanges(changes: readonly SpecChange[]): string {
  if (changes.length === 0) return '  (no changes)';
  return changes
    .map((change) => {
      const where = change.operations.length ? `\n      in ${change.operations.join(', ')}` : '';
      return `  ${WORD[change.class].padEnd(9)} needs ${BUMP_FOR_CLASS[change.class].padEnd(5)}  ${change.pointer}\n      ${change.reason}${where}`;
    })
    .join('\n');
}

/** The report `spec:diff` prints: the changes, what they need, what the changesets give, how to fix. */
export function formatReport(
  changes: readonly SpecChange[],
  gate: GateResult,
  baseline: { path: string; version: string },
): string {
  const lines: string[] = [];
  if (changes.length === 0) {
    lines.push(
      `spec:diff: the bundled spec equals the last released one (${baseline.path}, ${baseline.version}).`,
    );
  } else {
    lines.push(
      `spec:diff: ${changes.length} change(s) since the last release (${baseline.path}, ${baseline.version}):`,
      '',
      formatChanges(changes),
      '',
      `Needed: ${gate.required} for ${gate.packages.map((p) => p.name).join(', ')} (they all follow the spec).`,
    );
  }
  const width = Math.max(...gate.packages.map((p) => p.name.length));
  lines.push('Pending changesets give:');
  for (const p of gate.packages) {
    const from = p.changesets.length ? ` from .changeset/${p.changesets.join('.md, .changeset/')}.md` : '';
    const mark = p.enough ? 'ok' : `needs ${gate.required}`;
    lines.push(
      `  ${p.name.padEnd(width)}  ${p.bump.padEnd(5)}  ${p.version} -> ${p.newVersion}${from}  [${mark}]`,
    );
  }
  if (gate.ok) {
    lines.push(
      '',
      changes.length === 0
        ? 'OK: nothing to release for the spec.'
        : 'OK: the pending changesets cover every change.',
    );
    return lines.join('\n');
  }
  const short = gate.packages.filter((p) => !p.enough);
  const worst = changes.filter((c) => BUMP_FOR_CLASS[c.class] === gate.required);
  lines.push(
    '',
    `FAILED: ${short.map((p) => `${p.name} gets ${p.bump}`).join(', ')}; ${worst.length} change(s) above need ${gate.required}` +
      ` (first: ${worst[0]?.reason ?? ''}).`,
  );
  if (gate.required === 'major' && gate.packages.some((p) => p.version.startsWith('0.'))) {
    lines.push(
      `Below 1.0 a breaking change still needs "major" (changesets releases 0.x.y -> 1.0.0); "minor" is not accepted.`,
    );
  }
  lines.push(
    '',
    'Add a changeset: run `pnpm changeset`, select ' +
      `${gate.packages.map((p) => p.name).join(', ')}, choose ${gate.required}, and say what changed and what ` +
      'users must do. Or write a file .changeset/<any-name>.md:',
    '',
    '---',
    ...gate.packages.map((p) => `"${p.name}": ${gate.required}`),
    '---',
    '',
    'Spec: <what changed, and what callers must do about it>',
  );
  return lines.join('\n');
}

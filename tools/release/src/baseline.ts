/**
 * The last step of `pnpm version-packages`: after `changeset version` has moved the versions and the
 * spec has been bundled again (so its info.version is the new one), the bundle becomes the baseline,
 * the spec "as last released", that `spec:diff` compares against.
 *
 * It is a release step, not a way to make the gate pass: it refuses while changesets are pending (they
 * have not been applied yet), and it refuses to move the baseline to a different spec under the same
 * version (that would hide a change no changeset announced).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readReleasePlan } from './gate.js';
import { BASELINE, BUNDLE, specVersion } from './repo.js';

export async function refreshBaseline(root: string): Promise<{ changed: boolean; version: string }> {
  const plan = await readReleasePlan(root);
  if (plan.changesets.length > 0) {
    throw new Error(
      `${plan.changesets.length} changeset(s) are still pending (${plan.changesets.map((c) => `.changeset/${c.id}.md`).join(', ')}). ` +
        'The baseline moves only when they are applied: run `pnpm version-packages`.',
    );
  }
  const version = specVersion(root);
  const bundleText = readFileSync(join(root, BUNDLE), 'utf8');
  const bundled = JSON.parse(bundleText) as { info?: { version?: unknown } };
  if (bundled.info?.version !== version) {
    throw new Error(
      `${BUNDLE} says info.version ${String(bundled.info?.version)} but @klingkit/spec is ${version}: bundle again ` +
        '(pnpm --filter @klingkit/spec bundle) before refreshing the baseline.',
    );
  }
  const baselineFile = join(root, BASELINE);
  let previous: string | undefined;
  try {
    previous = readFileSync(baselineFile, 'utf8');
  } catch {
    previous = undefined; // the first baseline
  }
  if (previous === bundleText) return { changed: false, version };
  if (previous !== undefined) {
    const previousVersion = (JSON.parse(previous) as { info?: { version?: unknown } }).info?.version;
    if (previousVersion === version) {
      throw new Error(
        `the spec changed but @klingkit/spec is still ${version}: a spec change needs a changeset ` +
          '(`pnpm spec:diff` says which bump), and `pnpm version-packages` then moves the version and the baseline together.',
      );
    }
  }
  mkdirSync(dirname(baselineFile), { recursive: true });
  writeFileSync(baselineFile, bundleText);
  return { changed: true, version };
}

/** What `spec:diff` reports for each difference between the released spec and the current one. */

/**
 * - `breaking`: a consumer that worked against the released spec may now fail (a request that passed is
 *   refused, an answer lacks something it had, generated types lose a name). Needs a major bump.
 * - `additive`: the API accepts or answers more, compatibly (a new optional field, a looser limit, a new
 *   operation or status). Needs a minor bump.
 * - `docs-only`: nothing accepted or answered changes (descriptions, examples, rule wording). Needs a patch.
 */
export type ChangeClass = 'breaking' | 'additive' | 'docs-only';

export const CHANGE_CLASSES: readonly ChangeClass[] = ['breaking', 'additive', 'docs-only'];

export interface SpecChange {
  /** JSON pointer into the bundled spec where the change is written (the released spec for removals). */
  pointer: string;
  class: ChangeClass;
  /** What happened in the document, e.g. `enum-value-removed`; the class depends on where it happened. */
  rule: string;
  /** One line saying what changed and why that is breaking, additive or docs-only. */
  reason: string;
  /** operationIds whose requests, answers or callbacks the change reaches; empty for document-wide ones. */
  operations: string[];
  /**
   * api-smart-diff's own verdict when the change came from its diff (`breaking`, `non-breaking`,
   * `annotation`, `deprecated`, `unclassified`); absent for the changes only klingkit's rules see.
   */
  library?: string;
}

/** Changesets bump type a class needs. */
export const BUMP_FOR_CLASS = { breaking: 'major', additive: 'minor', 'docs-only': 'patch' } as const;

export type Bump = 'none' | 'patch' | 'minor' | 'major';
export const BUMP_ORDER: readonly Bump[] = ['none', 'patch', 'minor', 'major'];

export function bumpRank(bump: Bump): number {
  return BUMP_ORDER.indexOf(bump);
}

/** The bump a list of changes needs: the highest its classes ask for, `none` when nothing changed. */
export function requiredBump(changes: readonly SpecChange[]): Bump {
  let needed: Bump = 'none';
  for (const change of changes) {
    const bump = BUMP_FOR_CLASS[change.class];
    if (bumpRank(bump) > bumpRank(needed)) needed = bump;
  }
  return needed;
}

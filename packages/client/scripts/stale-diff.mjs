// How a committed generated file differs from what the spec generates now, as a short unified-style diff:
// codegen.mjs --check prints it so a CI log shows what changed, and the freshness tests fail with it.

/** Lines of context around the changed lines, as `diff -u` gives. */
const CONTEXT = 3;

/**
 * `''` when `committed` and `generated` are equal; otherwise one hunk from the first differing line to the
 * last (`-` lines as committed, `+` lines as codegen would write them), with the header naming `label`,
 * cut after `maxLines` lines of the hunk with a line saying how many more there were.
 */
export function staleDiff(committed, generated, { label = 'the generated file', maxLines = 40 } = {}) {
  if (committed === generated) return '';
  const before = committed.split('\n');
  const after = generated.split('\n');
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  )
    suffix++;
  const start = Math.max(0, prefix - CONTEXT);
  const trailing = Math.min(suffix, CONTEXT);
  const removed = before.slice(prefix, before.length - suffix);
  const added = after.slice(prefix, after.length - suffix);
  const hunk = [
    ...before.slice(start, prefix).map((line) => ` ${line}`),
    ...removed.map((line) => `-${line}`),
    ...added.map((line) => `+${line}`),
    ...before.slice(before.length - suffix, before.length - suffix + trailing).map((line) => ` ${line}`),
  ];
  const span = (changed) => `${start + 1},${prefix - start + changed + trailing}`;
  const shown = hunk.length > maxLines ? hunk.slice(0, maxLines) : hunk;
  return [
    `--- ${label} (committed)`,
    `+++ ${label} (generated from the spec)`,
    `@@ -${span(removed.length)} +${span(added.length)} @@`,
    ...shown,
    ...(hunk.length > maxLines ? [`... ${hunk.length - maxLines} more lines of this diff`] : []),
  ].join('\n');
}

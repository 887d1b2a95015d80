// How a committed generated file differs from what the spec generates now, as a short unified diff (jsdiff):
// codegen.mjs --check prints it so a CI log shows what changed, and the freshness tests fail with it.
import { createTwoFilesPatch } from 'diff';

/**
 * `''` when `committed` and `generated` are equal; otherwise a unified diff with three lines of context
 * (`-` lines as committed, `+` lines as codegen would write them), its header naming `label`, cut after
 * `maxLines` lines below the header with a line saying how many more there were.
 */
export function staleDiff(committed, generated, { label = 'the generated file', maxLines = 40 } = {}) {
  if (committed === generated) return '';
  const patch = createTwoFilesPatch(
    `${label} (committed)`,
    `${label} (generated from the spec)`,
    committed,
    generated,
    undefined,
    undefined,
    { context: 3 },
  );
  // jsdiff opens with a line of `=` and ends with a newline; the header is the `---` and `+++` lines.
  const [, ...lines] = patch.replace(/\n$/, '').split('\n');
  const header = lines.slice(0, 2);
  const body = lines.slice(2);
  const shown = body.length > maxLines ? body.slice(0, maxLines) : body;
  return [
    ...header,
    ...shown,
    ...(body.length > maxLines ? [`... ${body.length - maxLines} more lines of this diff`] : []),
  ].join('\n');
}

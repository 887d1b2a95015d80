/** Types for stale-diff.mjs, which runs as plain Node without a TypeScript loader. */
export declare function staleDiff(
  committed: string,
  generated: string,
  options?: { label?: string; maxLines?: number },
): string;

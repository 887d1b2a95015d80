/** JSON pointers (RFC 6901) over a bundled OpenAPI document whose only references are local (`#/...`). */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Segment = string | number;

export function encodePointer(segments: readonly Segment[]): string {
  return segments.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function decodePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  return pointer
    .replace(/^#/, '')
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(node: unknown, segment: Segment): unknown {
  if (Array.isArray(node)) return node[Number(segment)];
  if (isRecord(node)) return Object.hasOwn(node, String(segment)) ? node[String(segment)] : undefined;
  return undefined;
}

/** The value at a pointer, without following references. */
export function valueAt(root: unknown, segments: readonly Segment[]): unknown {
  let node = root;
  for (const segment of segments) {
    node = child(node, segment);
    if (node === undefined) return undefined;
  }
  return node;
}

function localRef(node: unknown): string[] | undefined {
  if (!isRecord(node) || typeof node.$ref !== 'string' || !node.$ref.startsWith('#')) return undefined;
  return decodePointer(node.$ref);
}

/** Follows `$ref` chains (bounded, so a cycle of references cannot spin forever). */
export function resolve(root: unknown, node: unknown, at: Segment[]): { node: unknown; at: Segment[] } {
  let current = node;
  let where = at;
  for (let hops = 0; hops < 32; hops += 1) {
    const target = localRef(current);
    if (!target) break;
    where = target;
    current = valueAt(root, target);
  }
  return { node: current, at: where };
}

/**
 * Maps a path through the *resolved* document (the shape a diff tool walks: references followed,
 * `allOf` parts merged) to the pointer where that value is written in the bundle. A segment the
 * resolved shape has but the written one does not is looked up in the `allOf` parts, which is where
 * merging took it from. Returns the deepest location reached and how many segments were consumed.
 */
export function sourceLocation(
  root: unknown,
  path: readonly Segment[],
): { pointer: Segment[]; consumed: number; value: unknown } {
  let { node, at } = resolve(root, root, []);
  let consumed = 0;
  for (const segment of path) {
    const direct = child(node, segment);
    if (direct !== undefined) {
      ({ node, at } = resolve(root, direct, [...at, segment]));
      consumed += 1;
      continue;
    }
    const parts = isRecord(node) && Array.isArray(node.allOf) ? node.allOf : [];
    let found = false;
    for (const [index, part] of parts.entries()) {
      const resolved = resolve(root, part, [...at, 'allOf', index]);
      const inPart = child(resolved.node, segment);
      if (inPart !== undefined) {
        ({ node, at } = resolve(root, inPart, [...resolved.at, segment]));
        consumed += 1;
        found = true;
        break;
      }
    }
    if (!found) break;
  }
  return { pointer: at, consumed, value: node };
}

/** Every `#/components/...` pointer reachable from a node through references (its own included). */
export function reachableRefs(root: unknown, node: unknown, seen = new Set<string>()): Set<string> {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      stack.push(...current);
      continue;
    }
    if (!isRecord(current)) continue;
    if (typeof current.$ref === 'string' && current.$ref.startsWith('#')) {
      const pointer = current.$ref.slice(1);
      if (!seen.has(pointer)) {
        seen.add(pointer);
        stack.push(valueAt(root, decodePointer(pointer)));
      }
    }
    for (const [key, value] of Object.entries(current)) if (key !== '$ref') stack.push(value);
  }
  return seen;
}

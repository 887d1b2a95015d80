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
  type Found = { pointer: Segment[]; consumed: number; value: unknown };
  const seen = new Set<string>();
  // Depth-first: the written location is the one that explains the most of the path. Several `allOf`
  // parts may hold the same name (an envelope's `data` and the part that narrows it); the right one is
  // the part the rest of the path can be followed into.
  const locate = (node: unknown, at: Segment[], index: number): Found => {
    let best: Found = { pointer: at, consumed: index, value: node };
    const key = `${encodePointer(at)}@${index}`;
    if (index === path.length || seen.has(key)) return best;
    seen.add(key);
    const segment = path[index] as Segment;
    const direct = child(node, segment);
    if (direct !== undefined) {
      const next = resolve(root, direct, [...at, segment]);
      best = locate(next.node, next.at, index + 1);
      if (best.consumed === path.length) return best;
    }
    const parts = isRecord(node) && Array.isArray(node.allOf) ? node.allOf : [];
    for (const [position, part] of parts.entries()) {
      const resolved = resolve(root, part, [...at, 'allOf', position]);
      const found = locate(resolved.node, resolved.at, index);
      if (found.consumed > best.consumed) best = found;
      if (best.consumed === path.length) break;
    }
    return best;
  };
  const start = resolve(root, root, []);
  return locate(start.node, start.at, 0);
}

/**
 * A copy of `node` (the whole document by default) with every local `$ref` replaced by a copy of its
 * target in `root` (sibling keywords kept beside it, as OpenAPI 3.1 reads them). A reference back into
 * its own chain stays a `$ref`, so cycles end.
 */
export function dereference(root: unknown, node: unknown = root): unknown {
  const walk = (current: unknown, chain: readonly string[]): unknown => {
    if (Array.isArray(current)) return current.map((item) => walk(item, chain));
    if (!isRecord(current)) return current;
    const ref = typeof current.$ref === 'string' && current.$ref.startsWith('#') ? current.$ref : undefined;
    if (ref !== undefined && !chain.includes(ref)) {
      const { $ref: _ref, ...siblings } = current;
      const target = walk(valueAt(root, decodePointer(ref)), [...chain, ref]);
      const rest = Object.fromEntries(
        Object.entries(siblings).map(([key, value]) => [key, walk(value, chain)]),
      );
      return isRecord(target) ? { ...target, ...rest } : target;
    }
    return Object.fromEntries(Object.entries(current).map(([key, value]) => [key, walk(value, chain)]));
  };
  return walk(node, []);
}

/**
 * Calls `visit` on every object inside `node`, looking through arrays, and walks on into what `visit`
 * returns. Depth first on a stack of its own, so a deeply nested document cannot overflow the call stack.
 */
export function walkObjects(node: unknown, visit: (object: Record<string, unknown>) => unknown[]): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) stack.push(...current);
    else if (isRecord(current)) stack.push(...visit(current));
  }
}

/** Every `#/components/...` pointer reachable from a node through references (its own included). */
export function reachableRefs(root: unknown, node: unknown, seen = new Set<string>()): Set<string> {
  walkObjects(node, (current) => {
    const next: unknown[] = [];
    if (typeof current.$ref === 'string' && current.$ref.startsWith('#')) {
      const pointer = current.$ref.slice(1);
      if (!seen.has(pointer)) {
        seen.add(pointer);
        next.push(valueAt(root, decodePointer(pointer)));
      }
    }
    for (const [key, value] of Object.entries(current)) if (key !== '$ref') next.push(value);
    return next;
  });
  return seen;
}

/**
 * klingkit's own vendor extensions, which no OpenAPI diff tool understands:
 * - cross-field rules: `allOf` entries carrying `x-kling-rule` (`if`/`then`/`not` that any validator enforces);
 * - `x-kling-checks`: rules JSON Schema cannot express, on a request schema's root, each with an `id`;
 * - `x-kling-image`: limits on an image field (formats, bytes, sides, aspect ratio);
 * - `x-kling-error-code`: the business code a bad value of a field answers instead of 1201.
 * They constrain requests (the mock enforces them), so adding or tightening one is breaking.
 */
import { isDeepStrictEqual } from 'node:util';
import type { SpecChange } from './change.js';
import { decodePointer, encodePointer, isRecord, type Segment, walkObjects } from './json-pointer.js';
import { type OperationEntry, operationsReaching } from './operations.js';

interface Found<T> {
  pointer: string;
  /** Where the extension sits: the schema (or field) it belongs to. */
  owner: string;
  value: T;
}

interface KlingExtensions {
  rules: Map<string, Found<Record<string, unknown>>>;
  checks: Map<string, Found<Record<string, unknown>>>;
  images: Map<string, Found<Record<string, unknown>>>;
  errorCodes: Map<string, Found<unknown>>;
}

export function collectExtensions(doc: unknown): KlingExtensions {
  const found: KlingExtensions = {
    rules: new Map(),
    checks: new Map(),
    images: new Map(),
    errorCodes: new Map(),
  };
  const stack: { node: unknown; at: Segment[] }[] = [{ node: doc, at: [] }];
  while (stack.length > 0) {
    const { node, at } = stack.pop() as { node: unknown; at: Segment[] };
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        stack.push({ node: item, at: [...at, index] });
      });
      continue;
    }
    if (!isRecord(node)) continue;
    const owner = encodePointer(at);
    if (Array.isArray(node.allOf)) {
      node.allOf.forEach((entry, index) => {
        if (!isRecord(entry) || !isRecord(entry['x-kling-rule'])) return;
        const id = String(entry['x-kling-rule'].id);
        found.rules.set(`${owner}|${id}`, {
          pointer: encodePointer([...at, 'allOf', index]),
          owner,
          value: entry,
        });
      });
    }
    if (Array.isArray(node['x-kling-checks'])) {
      node['x-kling-checks'].forEach((check, index) => {
        if (!isRecord(check)) return;
        const pointer = encodePointer([...at, 'x-kling-checks', index]);
        found.checks.set(`${owner}|${String(check.id)}`, { pointer, owner, value: check });
      });
    }
    if (isRecord(node['x-kling-image'])) {
      const pointer = encodePointer([...at, 'x-kling-image']);
      found.images.set(owner, { pointer, owner, value: node['x-kling-image'] });
    }
    if ('x-kling-error-code' in node) {
      const pointer = encodePointer([...at, 'x-kling-error-code']);
      found.errorCodes.set(owner, { pointer, owner, value: node['x-kling-error-code'] });
    }
    for (const [key, value] of Object.entries(node)) stack.push({ node: value, at: [...at, key] });
  }
  return found;
}

/** A copy of the document without the extensions, for a diff tool that would misread them. */
export function withoutExtensions<T>(doc: T): T {
  const copy = structuredClone(doc);
  walkObjects(copy, (node) => {
    if (Array.isArray(node.allOf)) {
      const kept = node.allOf.filter((entry) => !(isRecord(entry) && 'x-kling-rule' in entry));
      if (kept.length === 0) delete node.allOf;
      else node.allOf = kept;
    }
    delete node['x-kling-checks'];
    delete node['x-kling-image'];
    delete node['x-kling-error-code'];
    return Object.values(node);
  });
  return copy;
}

/** `ImageGenerationCreateRequest` for a component, `image` for a property, for messages. */
function ownerLabel(owner: string): string {
  const segments = decodePointer(owner);
  const property = segments.lastIndexOf('properties');
  if (property >= 0 && property + 1 < segments.length) return segments[property + 1] as string;
  if (segments[0] === 'components' && segments.length >= 3) return segments[2] as string;
  return owner || 'the document';
}

function without<T extends Record<string, unknown>>(value: T, ...keys: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** A limit whose value shrinking narrows what is accepted (max*) or growing does (min*). */
function limitDirection(key: string): 'upper' | 'lower' | undefined {
  if (/^max/i.test(key)) return 'upper';
  if (/^min/i.test(key)) return 'lower';
  return undefined;
}

type Verdict = 'tightened' | 'loosened' | 'changed';

function compareLimit(key: string, before: unknown, after: unknown): Verdict {
  const direction = limitDirection(key);
  if (!direction || typeof before !== 'number' || typeof after !== 'number') return 'changed';
  const narrower = direction === 'upper' ? after < before : after > before;
  return narrower ? 'tightened' : 'loosened';
}

export function diffExtensions(
  before: unknown,
  after: unknown,
  index: { before: readonly OperationEntry[]; after: readonly OperationEntry[] },
): SpecChange[] {
  const was = collectExtensions(before);
  const now = collectExtensions(after);
  const changes: SpecChange[] = [];
  const add = (change: Omit<SpecChange, 'operations'>, side: 'before' | 'after') => {
    changes.push({ ...change, operations: operationsReaching(index[side], change.pointer) });
  };

  for (const [key, old] of was.rules) {
    const rule = old.value['x-kling-rule'] as Record<string, unknown>;
    const schema = ownerLabel(old.owner);
    const current = now.rules.get(key);
    if (!current) {
      add(
        {
          pointer: old.pointer,
          class: 'additive',
          rule: 'rule-removed',
          reason: `cross-field rule '${String(rule.id)}' removed from ${schema}: requests it refused (${String(rule.message)}) are now accepted`,
        },
        'before',
      );
      continue;
    }
    if (!isDeepStrictEqual(without(old.value, 'x-kling-rule'), without(current.value, 'x-kling-rule'))) {
      add(
        {
          pointer: current.pointer,
          class: 'breaking',
          rule: 'rule-changed',
          reason: `cross-field rule '${String(rule.id)}' of ${schema} now checks a different condition: requests it accepted may now fail`,
        },
        'after',
      );
    } else if (!isDeepStrictEqual(old.value['x-kling-rule'], current.value['x-kling-rule'])) {
      add(
        {
          pointer: `${current.pointer}/x-kling-rule`,
          class: 'docs-only',
          rule: 'rule-reworded',
          reason: `cross-field rule '${String(rule.id)}' of ${schema} reworded (message or field named in the error): what it accepts is unchanged`,
        },
        'after',
      );
    }
  }
  for (const [key, current] of now.rules) {
    if (was.rules.has(key)) continue;
    const rule = current.value['x-kling-rule'] as Record<string, unknown>;
    add(
      {
        pointer: current.pointer,
        class: 'breaking',
        rule: 'rule-added',
        reason: `cross-field rule '${String(rule.id)}' added to ${ownerLabel(current.owner)}: requests it refuses (${String(rule.message)}) now fail`,
      },
      'after',
    );
  }

  for (const [key, old] of was.checks) {
    const schema = ownerLabel(old.owner);
    const id = String(old.value.id);
    const current = now.checks.get(key);
    if (!current) {
      add(
        {
          pointer: old.pointer,
          class: 'additive',
          rule: 'check-removed',
          reason: `check '${id}' (${String(old.value.kind)}) removed from ${schema}: requests it refused (${String(old.value.message)}) are now accepted`,
        },
        'before',
      );
      continue;
    }
    const oldParams = without(old.value, 'message', 'field');
    const newParams = without(current.value, 'message', 'field');
    if (isDeepStrictEqual(oldParams, newParams)) {
      if (!isDeepStrictEqual(old.value, current.value)) {
        add(
          {
            pointer: current.pointer,
            class: 'docs-only',
            rule: 'check-reworded',
            reason: `check '${id}' of ${schema} reworded (message or field named in the error): what it accepts is unchanged`,
          },
          'after',
        );
      }
      continue;
    }
    const keys = new Set([...Object.keys(oldParams), ...Object.keys(newParams)]);
    const verdicts = [...keys]
      .filter((k) => !isDeepStrictEqual(oldParams[k], newParams[k]))
      .map((k) => ({ key: k, verdict: compareLimit(k, oldParams[k], newParams[k]) }));
    if (verdicts.every((v) => v.verdict === 'loosened')) {
      const what = verdicts.map((v) => `${v.key} ${quote(oldParams[v.key])} -> ${quote(newParams[v.key])}`);
      add(
        {
          pointer: current.pointer,
          class: 'additive',
          rule: 'check-loosened',
          reason: `check '${id}' of ${schema} loosened (${what.join(', ')}): more requests are accepted`,
        },
        'after',
      );
    } else if (verdicts.every((v) => v.verdict !== 'changed')) {
      const what = verdicts.map((v) => `${v.key} ${quote(oldParams[v.key])} -> ${quote(newParams[v.key])}`);
      add(
        {
          pointer: current.pointer,
          class: 'breaking',
          rule: 'check-tightened',
          reason: `check '${id}' of ${schema} tightened (${what.join(', ')}): requests it accepted may now fail`,
        },
        'after',
      );
    } else {
      add(
        {
          pointer: current.pointer,
          class: 'breaking',
          rule: 'check-changed',
          reason: `check '${id}' of ${schema} changed (${verdicts.map((v) => v.key).join(', ')}): requests it accepted may now fail`,
        },
        'after',
      );
    }
  }
  for (const [key, current] of now.checks) {
    if (was.checks.has(key)) continue;
    add(
      {
        pointer: current.pointer,
        class: 'breaking',
        rule: 'check-added',
        reason: `check '${String(current.value.id)}' (${String(current.value.kind)}) added to ${ownerLabel(current.owner)}: requests it refuses (${String(current.value.message)}) now fail`,
      },
      'after',
    );
  }

  for (const [owner, old] of was.images) {
    const field = ownerLabel(owner);
    const current = now.images.get(owner);
    if (!current) {
      add(
        {
          pointer: old.pointer,
          class: 'additive',
          rule: 'image-limits-removed',
          reason: `image limits of ${field} removed: images they refused are now accepted`,
        },
        'before',
      );
      continue;
    }
    const keys = new Set([...Object.keys(old.value), ...Object.keys(current.value)]);
    for (const key of keys) {
      const a = old.value[key];
      const b = current.value[key];
      if (isDeepStrictEqual(a, b)) continue;
      const pointer = `${current.pointer}/${encodePointer([key]).slice(1)}`;
      if (Array.isArray(a) && Array.isArray(b)) {
        for (const lost of a.filter((value) => !b.includes(value))) {
          add(
            {
              pointer,
              class: 'breaking',
              rule: 'image-limit-tightened',
              reason: `image ${field} no longer accepts ${key} ${quote(lost)}: requests that send one now fail`,
            },
            'after',
          );
        }
        for (const gained of b.filter((value) => !a.includes(value))) {
          add(
            {
              pointer,
              class: 'additive',
              rule: 'image-limit-loosened',
              reason: `image ${field} now accepts ${key} ${quote(gained)}: requests may send one`,
            },
            'after',
          );
        }
        continue;
      }
      if (a === undefined || b === undefined) {
        const direction = limitDirection(key);
        const added = a === undefined;
        add(
          {
            pointer: added ? pointer : `${old.pointer}/${encodePointer([key]).slice(1)}`,
            class: added || !direction ? 'breaking' : 'additive',
            rule: added ? 'image-limit-tightened' : 'image-limit-loosened',
            reason: added
              ? `image ${field} gained the limit ${key} ${quote(b)}: images that passed may now be refused`
              : `image ${field} lost the limit ${key} ${quote(a)}: images it refused are now accepted`,
          },
          added ? 'after' : 'before',
        );
        continue;
      }
      const verdict = compareLimit(key, a, b);
      add(
        {
          pointer,
          class: verdict === 'loosened' ? 'additive' : 'breaking',
          rule: verdict === 'loosened' ? 'image-limit-loosened' : 'image-limit-tightened',
          reason:
            verdict === 'loosened'
              ? `image ${field} ${key} loosened from ${quote(a)} to ${quote(b)}: more images are accepted`
              : `image ${field} ${key} ${verdict} from ${quote(a)} to ${quote(b)}: images that passed may now be refused`,
        },
        'after',
      );
    }
  }
  for (const [owner, current] of now.images) {
    if (was.images.has(owner)) continue;
    add(
      {
        pointer: current.pointer,
        class: 'breaking',
        rule: 'image-limits-added',
        reason: `image limits added to ${ownerLabel(owner)}: images that passed may now be refused`,
      },
      'after',
    );
  }

  const owners = new Set([...was.errorCodes.keys(), ...now.errorCodes.keys()]);
  for (const owner of owners) {
    const a = was.errorCodes.get(owner);
    const b = now.errorCodes.get(owner);
    if (a && b && isDeepStrictEqual(a.value, b.value)) continue;
    const from = a ? quote(a.value) : '1201 (the default)';
    const to = b ? quote(b.value) : '1201 (the default)';
    add(
      {
        pointer: (b ?? a)?.pointer as string,
        class: 'breaking',
        rule: 'error-code-changed',
        reason: `a bad ${ownerLabel(owner)} now answers code ${to} instead of ${from}: clients that branch on the old code miss it`,
      },
      b ? 'after' : 'before',
    );
  }
  return changes;
}

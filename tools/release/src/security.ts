/**
 * Security requirements, compared per operation by what a client may authenticate with. OpenAPI's
 * `security` is a list of alternatives (any one suffices), each a set of schemes (all required), and an
 * operation without its own list inherits the document's. api-smart-diff leaves these changes
 * unclassified and does not resolve scheme definitions, so klingkit decides them here.
 */
import { isDeepStrictEqual } from 'node:util';
import type { SpecChange } from './change.js';
import { encodePointer, isRecord } from './json-pointer.js';
import { indexOperations } from './operations.js';

/** Scheme fields that decide which credentials work; the rest (description, bearerFormat) are docs. */
const DECISIVE = ['type', 'scheme', 'in', 'name', 'flows', 'openIdConnectUrl'] as const;

type Alternative = Map<string, string[]>; // scheme signature -> scopes

function schemes(doc: unknown): Record<string, Record<string, unknown>> {
  const components = isRecord(doc) && isRecord(doc.components) ? doc.components : {};
  return (isRecord(components.securitySchemes) ? components.securitySchemes : {}) as Record<
    string,
    Record<string, unknown>
  >;
}

function signature(doc: unknown, name: string): string {
  const scheme = schemes(doc)[name];
  if (!isRecord(scheme)) return `undefined scheme ${name}`;
  const decisive: Record<string, unknown> = {};
  for (const key of DECISIVE) if (key in scheme) decisive[key] = scheme[key];
  if (typeof decisive.scheme === 'string') decisive.scheme = decisive.scheme.toLowerCase();
  return JSON.stringify(decisive);
}

function describe(doc: unknown, name: string): string {
  const scheme = schemes(doc)[name];
  if (!isRecord(scheme)) return `${name} (undefined)`;
  if (scheme.type === 'http') return `${name} (HTTP ${String(scheme.scheme)})`;
  if (scheme.type === 'apiKey') return `${name} (API key in ${String(scheme.in)} ${String(scheme.name)})`;
  return `${name} (${String(scheme.type)})`;
}

function alternatives(doc: unknown, requirements: unknown): { alt: Alternative; label: string }[] {
  // An empty list, or an empty object in it, lets a request through with no credentials at all.
  const list = Array.isArray(requirements) && requirements.length > 0 ? requirements : [{}];
  return list.map((requirement) => {
    const alt: Alternative = new Map();
    const names = isRecord(requirement) ? Object.keys(requirement) : [];
    for (const name of names) {
      const scopes = (requirement as Record<string, unknown>)[name];
      alt.set(signature(doc, name), Array.isArray(scopes) ? scopes.map(String) : []);
    }
    const label =
      names.length === 0 ? 'no credentials' : names.map((name) => describe(doc, name)).join(' + ');
    return { alt, label };
  });
}

/** Whether a client holding `held` can satisfy the requirement `needed`. */
function satisfies(held: Alternative, needed: Alternative): boolean {
  for (const [scheme, scopes] of needed) {
    const have = held.get(scheme);
    if (!have || !scopes.every((scope) => have.includes(scope))) return false;
  }
  return true;
}

function same(a: Alternative, b: Alternative): boolean {
  return a.size === b.size && satisfies(a, b) && satisfies(b, a);
}

export function diffSecurity(before: unknown, after: unknown): SpecChange[] {
  const changes = new Map<string, SpecChange>();
  const note = (change: Omit<SpecChange, 'operations'>, operationId?: string) => {
    const key = `${change.pointer}|${change.reason}`;
    const existing = changes.get(key) ?? { ...change, operations: [] };
    if (operationId && !existing.operations.includes(operationId)) existing.operations.push(operationId);
    changes.set(key, existing);
  };
  const rootOf = (doc: unknown) => (isRecord(doc) ? doc.security : undefined);
  const afterOps = new Map(indexOperations(after).map((entry) => [entry.pointer, entry]));
  const used = new Set<string>();
  const use = (requirements: unknown) => {
    if (Array.isArray(requirements))
      for (const r of requirements) if (isRecord(r)) for (const n of Object.keys(r)) used.add(n);
  };
  use(rootOf(before));
  use(rootOf(after));
  for (const entry of [...indexOperations(before), ...afterOps.values()]) use(entry.operation.security);
  for (const old of indexOperations(before)) {
    const current = afterOps.get(old.pointer);
    if (!current) continue; // a removed operation is reported as such
    const oldOwn = 'security' in old.operation;
    const newOwn = 'security' in current.operation;
    const was = alternatives(before, oldOwn ? old.operation.security : rootOf(before));
    const now = alternatives(after, newOwn ? current.operation.security : rootOf(after));
    for (const { alt, label } of was) {
      if (now.some((candidate) => satisfies(alt, candidate.alt))) continue;
      note(
        {
          pointer: oldOwn ? `${old.pointer}/security` : '/security',
          class: 'breaking',
          rule: 'security-tightened',
          reason: `security no longer accepts ${label}: clients that authenticate that way are now refused (401)`,
        },
        current.operationId,
      );
    }
    for (const { alt, label } of now) {
      if (was.some((candidate) => same(alt, candidate.alt))) continue;
      note(
        {
          pointer: newOwn ? `${current.pointer}/security` : '/security',
          class: 'additive',
          rule: 'security-loosened',
          reason: `security now also accepts ${label}: clients may authenticate that way`,
        },
        current.operationId,
      );
    }
  }
  const oldSchemes = schemes(before);
  const newSchemes = schemes(after);
  for (const name of new Set([...Object.keys(oldSchemes), ...Object.keys(newSchemes)])) {
    const a = oldSchemes[name];
    const b = newSchemes[name];
    if (isDeepStrictEqual(a, b)) continue;
    // A decisive change of a scheme in use shows above as requirements lost and gained; what is left
    // here (wording, bearerFormat, a scheme no operation uses) changes no request's fate.
    if (a && b && used.has(name) && signature(before, name) !== signature(after, name)) continue;
    note({
      pointer: encodePointer(['components', 'securitySchemes', name]),
      class: 'docs-only',
      rule: 'security-scheme-docs',
      reason:
        a && b
          ? used.has(name)
            ? `security scheme ${name} described differently (description or bearerFormat): the credentials it takes are the same`
            : `security scheme ${name} changed, but no operation requires it: no request changes`
          : `security scheme ${name} ${a ? 'removed' : 'added'} without any operation requiring it: no request changes`,
    });
  }
  for (const change of changes.values()) change.operations.sort();
  return [...changes.values()];
}

/** A copy without any security, so api-smart-diff does not report it a second time, unclassified. */
export function withoutSecurity<T>(doc: T): T {
  const copy = structuredClone(doc) as unknown;
  if (!isRecord(copy)) return copy as T;
  delete copy.security;
  if (isRecord(copy.components)) delete copy.components.securitySchemes;
  for (const entry of indexOperations(copy)) delete entry.operation.security;
  return copy as T;
}

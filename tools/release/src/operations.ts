import { encodePointer, isRecord, reachableRefs } from './json-pointer.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface OperationEntry {
  path: string;
  method: string;
  operationId: string;
  /** `/paths/<path>/<method>` */
  pointer: string;
  /** Component pointers (`/components/...`) reachable from the operation through references. */
  refs: Set<string>;
  operation: Record<string, unknown>;
}

/** The operations of a document, each with what it reaches, to say which ones a change touches. */
export function indexOperations(doc: unknown): OperationEntry[] {
  const paths = isRecord(doc) && isRecord(doc.paths) ? doc.paths : {};
  const entries: OperationEntry[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isRecord(operation)) continue;
      entries.push({
        path,
        method,
        operationId: typeof operation.operationId === 'string' ? operation.operationId : `${method} ${path}`,
        pointer: encodePointer(['paths', path, method]),
        refs: reachableRefs(doc, [operation, item.parameters ?? []]),
        operation,
      });
    }
  }
  return entries;
}

/** operationIds (sorted) of the operations that reach the location `pointer`. */
export function operationsReaching(index: readonly OperationEntry[], pointer: string): string[] {
  const within = (base: string) => pointer === base || pointer.startsWith(`${base}/`);
  const found = new Set<string>();
  for (const entry of index) {
    if (within(entry.pointer) || [...entry.refs].some(within)) found.add(entry.operationId);
  }
  return [...found].sort();
}

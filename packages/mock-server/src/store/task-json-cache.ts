import { LRUCache } from 'lru-cache';
import { type TaskRecord, toTaskObject } from './task-record.js';

interface Entry {
  status: TaskRecord['status'];
  updatedAt: number;
  origin: string;
  json: string;
}

/**
 * Task objects serialized once per state: a polling client asks for the same task many times between two
 * changes, and building and serializing the object is a sizeable share of answering a query. An entry is
 * valid while the record's status, `updated_at` and the result-URL origin are unchanged (nothing else of
 * a record changes after create). Bounded: past `limit` entries the least recently read is dropped.
 */
export function createTaskJsonCache(limit: number) {
  const entries = new LRUCache<TaskRecord, Entry>({ max: limit });
  return {
    /** The record's API task object as JSON, with result URLs on `origin`. */
    get(record: TaskRecord, origin: string): string {
      const hit = entries.get(record);
      if (hit && hit.status === record.status && hit.updatedAt === record.updatedAt && hit.origin === origin)
        return hit.json;
      const json = JSON.stringify(toTaskObject(record, origin));
      entries.set(record, { status: record.status, updatedAt: record.updatedAt, origin, json });
      return json;
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}

export type TaskJsonCache = ReturnType<typeof createTaskJsonCache>;

import type { TaskRecord } from './task-record.js';

/**
 * Tasks per account, newest first, with an `external_task_id` index; one account never sees another's.
 * Bounded: past `maxTasks`, the oldest ended tasks are forgotten first; a running task is never forgotten,
 * so creates ask `hasRoom()` first and are refused while every stored task still runs.
 */
export function createTaskStore(maxTasks: number) {
  const byId = new Map<string, TaskRecord>();
  const byAccount = new Map<string, TaskRecord[]>();
  const byExternalId = new Map<string, TaskRecord>();
  const externalKey = (account: string, externalTaskId: string) => `${account}\u0000${externalTaskId}`;

  // Forgotten records stay in their account's list until half of it is dead, then the list is compacted:
  // removing each one on the spot would scan and shift up to maxTasks entries per create.
  const deadByAccount = new Map<string, number>();
  const isLive = (record: TaskRecord) => byId.get(record.taskId) === record;

  // Every stored record in the order it was stored, oldest from `head` on: where the store looks for the
  // task to forget. Walking the Map from its start instead skips every entry deleted since its last rehash,
  // so at the bound each create paid for the thousands forgotten before it. Records before `head` are
  // forgotten; the array is cut when they are half of it.
  let order: TaskRecord[] = [];
  let head = 0;

  const forget = (record: TaskRecord) => {
    byId.delete(record.taskId);
    if (record.externalTaskId) byExternalId.delete(externalKey(record.account, record.externalTaskId));
    const list = byAccount.get(record.account);
    if (!list) return;
    const dead = (deadByAccount.get(record.account) ?? 0) + 1;
    if (dead * 2 < list.length) {
      deadByAccount.set(record.account, dead);
      return;
    }
    const live = list.filter(isLive);
    if (live.length === 0) byAccount.delete(record.account);
    else byAccount.set(record.account, live);
    deadByAccount.delete(record.account);
  };

  const ended = (record: TaskRecord) => record.status === 'succeed' || record.status === 'failed';

  /** The index in `order` of the oldest stored ended task, or -1; moves `head` past forgotten records. */
  const oldestEnded = (): number => {
    while (head < order.length && !isLive(order[head] as TaskRecord)) head++;
    if (head * 2 > order.length) {
      order = order.slice(head);
      head = 0;
    }
    for (let i = head; i < order.length; i++) {
      const record = order[i] as TaskRecord;
      if (ended(record) && isLive(record)) return i;
    }
    return -1;
  };
  const forgetOldestEnded = (): boolean => {
    const at = oldestEnded();
    if (at === -1) return false;
    forget(order[at] as TaskRecord);
    return true;
  };

  return {
    /** Whether one more task fits: under `maxTasks`, or an ended task can be forgotten to make room. */
    hasRoom(): boolean {
      return byId.size < maxTasks || oldestEnded() !== -1;
    },
    add(record: TaskRecord) {
      byId.set(record.taskId, record);
      order.push(record);
      if (record.externalTaskId) byExternalId.set(externalKey(record.account, record.externalTaskId), record);
      const list = byAccount.get(record.account);
      if (list) list.push(record);
      else byAccount.set(record.account, [record]);
      if (byId.size > maxTasks) forgetOldestEnded();
    },
    /**
     * Adds seeded tasks, created at any time in the past, where their `createdAt` puts them, so lists stay
     * newest first (the lists are kept in creation order: creates append, seeds merge). Past `maxTasks` the
     * oldest stored ended tasks are forgotten, as `add` does; the caller makes sure running tasks fit.
     */
    seed(records: TaskRecord[]) {
      const added = new Map<string, TaskRecord[]>();
      for (const record of records) {
        byId.set(record.taskId, record);
        order.push(record);
        if (record.externalTaskId)
          byExternalId.set(externalKey(record.account, record.externalTaskId), record);
        const list = added.get(record.account) ?? [];
        list.push(record);
        added.set(record.account, list);
      }
      for (const [account, fresh] of added) {
        fresh.sort((a, b) => a.createdAt - b.createdAt);
        const old = (byAccount.get(account) ?? []).filter(isLive);
        const merged: TaskRecord[] = [];
        let i = 0;
        for (const record of fresh) {
          // Ties keep the stored task first: of two tasks created in the same millisecond, the seeded is newer.
          while (i < old.length && (old[i] as TaskRecord).createdAt <= record.createdAt)
            merged.push(old[i++] as TaskRecord);
          merged.push(record);
        }
        while (i < old.length) merged.push(old[i++] as TaskRecord);
        byAccount.set(account, merged);
        deadByAccount.delete(account);
      }
      while (byId.size > maxTasks) if (!forgetOldestEnded()) break;
    },
    /** A task of `account` by `task_id`. */
    get(account: string, taskId: string): TaskRecord | undefined {
      const record = byId.get(taskId);
      return record?.account === account ? record : undefined;
    },
    /** A task of `account` by `external_task_id`. */
    getByExternalId(account: string, externalTaskId: string): TaskRecord | undefined {
      return byExternalId.get(externalKey(account, externalTaskId));
    },
    /** Any account's task, for the image route (result URLs are public links). */
    getAny(taskId: string): TaskRecord | undefined {
      return byId.get(taskId);
    },
    /** One page of an account's tasks of one family, newest first. */
    list(account: string, family: TaskRecord['family'], pageNum: number, pageSize: number): TaskRecord[] {
      const all = byAccount.get(account) ?? [];
      const page: TaskRecord[] = [];
      let skip = (pageNum - 1) * pageSize;
      for (let i = all.length - 1; i >= 0 && page.length < pageSize; i--) {
        const record = all[i] as TaskRecord;
        if (record.family !== family || !isLive(record)) continue;
        if (skip > 0) skip--;
        else page.push(record);
      }
      return page;
    },
    all(): TaskRecord[] {
      return [...byId.values()];
    },
    get size() {
      return byId.size;
    },
    limit: maxTasks,
    clear() {
      byId.clear();
      byAccount.clear();
      byExternalId.clear();
      deadByAccount.clear();
      order = [];
      head = 0;
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;

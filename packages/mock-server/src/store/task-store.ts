import type { TaskRecord } from './task-record.js';

/**
 * Tasks per account, newest first, with an `external_task_id` index; one account never sees another's.
 * Bounded: past `maxTasks`, the oldest ended tasks are forgotten first.
 */
export function createTaskStore(maxTasks: number) {
  const byId = new Map<string, TaskRecord>();
  const byAccount = new Map<string, TaskRecord[]>();
  const byExternalId = new Map<string, TaskRecord>();
  const externalKey = (account: string, externalTaskId: string) => `${account}\u0000${externalTaskId}`;

  const forget = (record: TaskRecord) => {
    byId.delete(record.taskId);
    if (record.externalTaskId) byExternalId.delete(externalKey(record.account, record.externalTaskId));
    const list = byAccount.get(record.account);
    const index = list?.indexOf(record) ?? -1;
    if (list && index >= 0) list.splice(index, 1);
  };

  return {
    add(record: TaskRecord) {
      byId.set(record.taskId, record);
      if (record.externalTaskId) byExternalId.set(externalKey(record.account, record.externalTaskId), record);
      const list = byAccount.get(record.account) ?? [];
      list.push(record);
      byAccount.set(record.account, list);
      if (byId.size > maxTasks) {
        for (const candidate of byId.values()) {
          if (candidate.status === 'succeed' || candidate.status === 'failed') {
            forget(candidate);
            break;
          }
        }
      }
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
        if (record.family !== family) continue;
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
    clear() {
      byId.clear();
      byAccount.clear();
      byExternalId.clear();
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;

import type { RequestOptions, Transport } from '../core/client.js';
import { checkInteger } from '../core/options.js';
import { FAMILY_PATHS, type TaskFamily, type TaskOf } from './tasks.js';

export interface ListOptions extends RequestOptions {
  /** Tasks per page, 1-500. Default 30 (the platform's default). */
  pageSize?: number | undefined;
  /** First page to read, 1-1000. Default 1. */
  startPage?: number | undefined;
}

/** The platform's largest `pageNum`; the list cannot reach beyond it. */
export const MAX_PAGE_NUM = 1000;

/**
 * Every task of a family, newest first, as an async iterator over tasks; `pages()` iterates whole pages
 * and `page(n)` fetches one. The list has no total or cursor: iteration ends at an empty or short page,
 * or after page 1000.
 */
export interface TaskList<F extends TaskFamily> extends AsyncIterable<TaskOf<F>> {
  pages(): AsyncIterableIterator<TaskOf<F>[]>;
  page(pageNum: number): Promise<TaskOf<F>[]>;
}

export function listTasks<F extends TaskFamily>(
  transport: Transport,
  family: F,
  options: ListOptions = {},
): TaskList<F> {
  const pageSize = checkInteger('pageSize', options.pageSize ?? 30, 1, 500);
  const startPage = checkInteger('startPage', options.startPage ?? 1, 1, MAX_PAGE_NUM);
  const page = async (pageNum: number): Promise<TaskOf<F>[]> => {
    checkInteger('pageNum', pageNum, 1, MAX_PAGE_NUM);
    const result = await transport.send(
      'GET',
      FAMILY_PATHS[family],
      { params: { query: { pageNum, pageSize } } },
      options,
    );
    const data = (result.data as { data?: unknown }).data;
    return Array.isArray(data) ? (data as TaskOf<F>[]) : [];
  };

  async function* pages() {
    for (let pageNum = startPage; pageNum <= MAX_PAGE_NUM; pageNum++) {
      const tasks = await page(pageNum);
      if (tasks.length) yield tasks;
      if (tasks.length < pageSize) return;
    }
  }

  return {
    pages,
    page,
    async *[Symbol.asyncIterator]() {
      for await (const tasks of pages()) yield* tasks;
    },
  };
}

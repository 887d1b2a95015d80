import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskFamily as ClientTaskFamily } from '@klingkit/client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { TaskFamily } from '../src/store/task-record.js';

const src = fileURLToPath(new URL('../src/', import.meta.url));

describe('the task families', () => {
  it("are the client's type: the mock declares none of its own and needs no cast between two", async () => {
    expectTypeOf<TaskFamily>().toEqualTypeOf<ClientTaskFamily>();
    const files = (await readdir(src, { recursive: true })).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const file of files) {
      const text = await readFile(join(src, file), 'utf8');
      // A family type of the mock's own: a union of the names, or a type read off one of its maps.
      for (const match of text.matchAll(/type\s+(\w*Family)\s*=[^;]*;/g)) found.push(`${file}: ${match[0]}`);
      // A cast from one family type to another (checking an untrusted value as TaskFamily is fine).
      for (const match of text.matchAll(/as\s+(?!TaskFamily\b)\w*Family\b/g))
        found.push(`${file}: ${match[0]}`);
    }
    expect(found).toEqual([]);
  });
});

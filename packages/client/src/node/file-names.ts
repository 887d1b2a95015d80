import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { describeValue } from './download-error.js';

/** Longest stem `safeFileStem` returns; with `-<index>-watermark.webp` and a temporary suffix a name stays far below 255 bytes. */
export const MAX_FILE_STEM_LENGTH = 100;

/** Letters, digits, `.` and `-` stand for themselves (except a leading `.` or `-`); everything else is escaped. */
const LITERAL = /^[A-Za-z0-9.-]$/;
/** Lowercase hex of a SHA-256; 128 bits keep distinct long ids apart. */
const HASH_LENGTH = 32;
/** `_h` never occurs in an escaped stem (`_` is always followed by hex or `u`), so a shortened stem cannot equal a full one. */
const SHORTENED_MARK = '_h';

/**
 * The one mapping from a task id (server data, untrusted) to a file name stem. The result holds only
 * `[A-Za-z0-9_.-]`, never starts with `.` or `-`, is at most `MAX_FILE_STEM_LENGTH` characters, and distinct
 * ids give distinct stems:
 *
 * - `A-Z a-z 0-9 . -` are kept, except a leading `.` or `-` (no hidden files, nothing read as an option);
 * - every other UTF-16 code unit `c` becomes `_` + two lowercase hex digits when `c < 0x100` (`/` -> `_2f`,
 *   `+` -> `_2b`, `_` -> `_5f`, leading `.` -> `_2e`), else `_u` + four (`é` is `_e9`, `€` is `_u20ac`),
 *   so `_` never stands for itself and the escaping can be undone;
 * - a stem longer than the limit keeps its first 66 characters (whole escapes) and ends in `_h` + 32 hex
 *   digits of the SHA-256 of the id's UTF-16 code units.
 *
 * Numeric and base64-like ids without `+`, `/` or `_` come out unchanged. Names are case-sensitive like the
 * ids: on a case-insensitive file system two ids differing only in case share a file name.
 */
export function safeFileStem(taskId: string): string {
  if (typeof taskId !== 'string' || taskId === '') {
    throw new TypeError('A task id must be a non-empty string to name a file.');
  }
  const keep = MAX_FILE_STEM_LENGTH - SHORTENED_MARK.length - HASH_LENGTH;
  let stem = '';
  let kept = 0;
  for (let at = 0; at < taskId.length; at++) {
    const char = taskId.charAt(at);
    const code = taskId.charCodeAt(at);
    const piece =
      LITERAL.test(char) && !(at === 0 && (char === '.' || char === '-'))
        ? char
        : code < 0x100
          ? `_${code.toString(16).padStart(2, '0')}`
          : `_u${code.toString(16).padStart(4, '0')}`;
    stem += piece;
    // Remember where the last whole piece ended within the budget a shortened stem keeps.
    if (stem.length <= keep) kept = stem.length;
    if (stem.length > MAX_FILE_STEM_LENGTH) {
      // Hashing the code units (not UTF-8, which turns every lone surrogate into U+FFFD) keeps ids apart.
      const hash = createHash('sha256').update(Buffer.from(taskId, 'utf16le')).digest('hex');
      return `${stem.slice(0, kept)}${SHORTENED_MARK}${hash.slice(0, HASH_LENGTH)}`;
    }
  }
  return stem;
}

/** What `fileInside` accepts: what `safeFileStem` and the suffixes `downloadImages` adds can produce. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * The absolute path of `name` directly inside `dir`. Names come from `safeFileStem`, so this never fails in
 * practice: it is the last check, on the resolved path, that nothing lands anywhere else.
 */
export function fileInside(dir: string, name: string): string {
  const root = resolve(dir);
  const path = resolve(root, name);
  if (!SAFE_NAME.test(name) || name.length > 255 || dirname(path) !== root || basename(path) !== name) {
    throw new RangeError(`Refusing to write ${describeValue(name)}: not a plain file name inside ${root}.`);
  }
  return path;
}

/**
 * Everything a server sends (task ids, statuses, messages, URLs, error texts) reaches a terminal through
 * here, because a terminal obeys what it is sent: ESC starts CSI/OSC sequences (clear the screen, rewrite
 * the clipboard with OSC 52, disguise a link with OSC 8), CR and backspace overwrite what was printed,
 * C1 controls (U+0080-U+009F) act as ESC sequences on many terminals, and bidi overrides reorder what the
 * reader sees. These characters are shown as visible escapes instead:
 * C0, DEL and C1 as `\xHH` (`\n`, `\r`, `\t` by name), the bidi and line-separator controls as `\uHHHH`.
 */
const UNPRINTABLE = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** The same minus C0: inside JSON strings JSON.stringify has escaped those, outside them they are its layout. */
const UNPRINTABLE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

/** One value as terminal-safe text; non-strings (a hostile server may send any JSON) are stringified first. */
export function printable(value: unknown): string {
  return String(value).replace(UNPRINTABLE, escapeOne);
}

/**
 * A template tag for lines the CLI writes: the literal parts (the CLI's own text, newlines and progress
 * sequences) pass as written, every `${value}` goes through `printable`.
 */
export function safe(literals: TemplateStringsArray, ...values: unknown[]): string {
  let text = literals[0] ?? '';
  for (const [i, value] of values.entries()) text += printable(value) + (literals[i + 1] ?? '');
  return text;
}

/**
 * JSON for stdout. JSON.stringify already writes C0 controls in strings as `\u00XX`, but leaves DEL, C1
 * and the bidi controls raw; they are written as `\uXXXX` escapes too, which any JSON parser reads back
 * as the same string. They can only occur inside string literals (everything else JSON.stringify writes
 * is ASCII), so replacing them keeps the document valid and the data exact.
 */
export function printableJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    UNPRINTABLE_IN_JSON,
    (char) => `\\u${hex(char.charCodeAt(0), 4)}`,
  );
}

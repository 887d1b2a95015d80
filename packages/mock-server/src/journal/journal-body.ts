/** Raw bodies up to this size are kept as parsed; larger ones (images, hostile bodies) are shortened at once. */
export const INLINE_BODY_BYTES = 4096;

/** Bounds of one shortened body, so any body sent costs the journal a few kilobytes at most. */
const MAX_DEPTH = 32;
const MAX_NODES = 500;
const MAX_ITEMS = 100;
const MAX_STRING_CHARS = 4000;

const BASE64_IMAGES: [prefix: string, format: string][] = [
  ['iVBORw0KGgo', 'png'],
  ['/9j/', 'jpeg'],
];
const DATA_URL = /^data:image\/([a-z0-9.+-]{1,20});base64,/i;

/**
 * A copy of a parsed request body as the journal shows it: Base64 images as `<base64 png 12345 bytes>`
 * (the decoded size), strings longer than any field the spec allows as `<string of N characters>`, arrays
 * past 100 items, objects past 32 levels and bodies past 500 values cut with a marker. Object keys are
 * copied as data (a `__proto__` key stays a key). Prompts, ids and URLs are kept as sent.
 */
export function shortenBody(value: unknown): unknown {
  const budget = { nodes: MAX_NODES };
  return shorten(value, 0, budget);
}

function shorten(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (--budget.nodes < 0) return '<…>';
  if (typeof value === 'string') return shortenString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '<nested too deep>';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => shorten(item, depth + 1, budget));
    if (value.length > MAX_ITEMS) items.push(`<${value.length - MAX_ITEMS} more items>`);
    return items;
  }
  // Key by key, stopping when the budget is spent: a hostile body may hold a million keys.
  const entries: [string, unknown][] = [];
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (budget.nodes <= 0) {
      entries.push(['<…>', '<more keys>']);
      break;
    }
    entries.push([shortenString(key), shorten((value as Record<string, unknown>)[key], depth + 1, budget)]);
  }
  return Object.fromEntries(entries);
}

function shortenString(text: string): string {
  if (text.length < 64) return text;
  const dataUrl = DATA_URL.exec(text);
  if (dataUrl)
    return `<base64 ${dataUrl[1]?.toLowerCase()} ${decodedBytes(text.length - dataUrl[0].length, text)} bytes, as a data: URL>`;
  for (const [prefix, format] of BASE64_IMAGES) {
    if (text.startsWith(prefix)) return `<base64 ${format} ${decodedBytes(text.length, text)} bytes>`;
  }
  return text.length > MAX_STRING_CHARS ? `<string of ${text.length} characters>` : text;
}

/** What `length` Base64 characters at the end of `text` decode to, padding taken off. */
function decodedBytes(length: number, text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((length * 3) / 4) - padding);
}

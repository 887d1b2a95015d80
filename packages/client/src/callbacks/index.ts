export type { ParsedCallback } from './parse-callback.js';
export { KlingCallbackError, parseCallback } from './parse-callback.js';

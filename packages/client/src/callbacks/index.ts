export type { KlingCallbackRefusal, ParseCallbackOptions, ParsedCallback } from './parse-callback.js';
export { KlingCallbackError, MAX_CALLBACK_BYTES, parseCallback } from './parse-callback.js';

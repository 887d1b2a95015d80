export type { CallbackHandlerOptions } from './callback-handler.js';
export { createCallbackHandler } from './callback-handler.js';
export type { DownloadedImage, DownloadOptions } from './download.js';
export { downloadImages } from './download.js';

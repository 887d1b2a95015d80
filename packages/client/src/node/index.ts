export type { CallbackHandlerOptions } from './callback-handler.js';
export { createCallbackHandler } from './callback-handler.js';
export type { DownloadedImage, DownloadOptions } from './download.js';
export { DOWNLOAD_DEFAULTS, downloadImages } from './download.js';
export type { KlingDownloadErrorInit, KlingDownloadErrorReason } from './download-error.js';
export { KlingDownloadError } from './download-error.js';
export { MAX_FILE_STEM_LENGTH, safeFileStem } from './file-names.js';

import { createRequire } from 'node:module';
import type { ImageConstraints } from './spec.js';

/** Why an image input was refused; `message` names the field and what is allowed. */
export interface ImageProblem {
  field: string;
  message: string;
}

// image-size reads every format it knows at import: loaded with the first Base64 image instead of at start-up.
let imageSize: typeof import('image-size').imageSize | undefined;
const sizeOf = (bytes: Uint8Array) => {
  imageSize ??= (createRequire(import.meta.url)('image-size') as typeof import('image-size')).imageSize;
  return imageSize(bytes);
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const FORMAT_NAMES: Record<string, string> = { png: 'PNG', jpg: 'JPEG', jpeg: 'JPEG' };

/**
 * Deep checks of one image input against the spec's `x-kling-image`: an http(s) URL is checked for syntax
 * only (the mock never fetches it); anything else must be raw Base64 of a real PNG or JPEG within the byte,
 * side and aspect-ratio limits.
 */
export function checkImageInput(
  value: string,
  field: string,
  limits: ImageConstraints,
): ImageProblem | undefined {
  const problem = (message: string) => ({ field, message: `${field}: ${message}` });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return problem('is not a valid URL');
    }
    const scheme = url.protocol.slice(0, -1);
    if (!limits.urlSchemes.includes(scheme)) {
      return problem(`URL scheme '${scheme}' is not allowed; use ${limits.urlSchemes.join(' or ')}`);
    }
    return undefined;
  }
  if (value.startsWith('data:')) {
    return problem(
      "must be raw Base64 without a 'data:image/...;base64,' prefix; strip everything up to the comma",
    );
  }
  const compact = value.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    return problem('is neither an http(s) URL nor valid Base64');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.byteLength > limits.maxBytes) {
    return problem(
      `image is ${bytes.byteLength} bytes; at most ${limits.maxBytes} bytes (10 MB) are allowed`,
    );
  }
  let size: { width?: number; height?: number; type?: string };
  try {
    size = sizeOf(bytes);
  } catch {
    return problem(`is not a readable image; allowed formats: ${describeFormats(limits)}`);
  }
  const format = size.type ?? '';
  if (!limits.formats.includes(format === 'jpg' ? 'jpeg' : format)) {
    return problem(
      `${format.toUpperCase() || 'unknown'} images are not allowed; allowed formats: ${describeFormats(limits)}`,
    );
  }
  if (!isComplete(bytes, format)) {
    return problem(`${format.toUpperCase()} data is truncated (no end marker); send the whole file`);
  }
  const { width = 0, height = 0 } = size;
  if (width < limits.minSide || height < limits.minSide) {
    return problem(`image is ${width}x${height} px; both sides must be at least ${limits.minSide} px`);
  }
  const ratio = width / height;
  if (ratio < limits.minAspectRatio || ratio > limits.maxAspectRatio) {
    return problem(
      `aspect ratio ${width}:${height} (${ratio.toFixed(2)}) is outside 1:${1 / limits.minAspectRatio}..${limits.maxAspectRatio}:1`,
    );
  }
  return undefined;
}

const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** A header alone passes image-size; the end marker shows the file arrived whole. */
function isComplete(bytes: Buffer, format: string): boolean {
  if (format === 'png') return bytes.subarray(-8).equals(PNG_IEND);
  // JPEG may carry trailing bytes after its end-of-image marker, so look for FF D9 near the end.
  return bytes.subarray(-64).includes(Buffer.from([0xff, 0xd9]));
}

function describeFormats(limits: ImageConstraints): string {
  return [...new Set(limits.formats.map((format) => FORMAT_NAMES[format] ?? format))].join(', ');
}

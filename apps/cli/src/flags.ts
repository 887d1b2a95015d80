import { readFile, stat } from 'node:fs/promises';
import type { TaskFamily } from '@klingkit/client';
import { type FieldSchema, familyName, fieldSchema } from './spec-rules.js';
import { UsageError } from './usage-error.js';

/** Checks a flag value against the enum of the request field it fills. */
export function checkEnum(
  family: TaskFamily,
  flag: string,
  field: string,
  value: string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const allowed = fieldSchema(family, field)?.enum;
  if (!allowed) throw new UsageError(`--${flag} is not available for ${familyName(family)} requests.`);
  if (!allowed.includes(value)) {
    throw new UsageError(
      `--${flag} ${value} is not allowed for ${familyName(family)}; use one of: ${allowed.join(', ')}.`,
    );
  }
  return value;
}

/** Parses an integer flag and checks it against the range of the request field it fills. */
export function checkInteger(
  family: TaskFamily,
  flag: string,
  field: string,
  value: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const schema = fieldSchema(family, field);
  if (!schema) throw new UsageError(`--${flag} is not available for ${familyName(family)} requests.`);
  return checkWholeNumber(flag, value, schema);
}

/** Parses a whole-number flag and checks it against a schema's range. */
export function checkWholeNumber(flag: string, value: string, schema: FieldSchema): number {
  const number = Number(value);
  const { minimum = -Infinity, maximum = Infinity } = schema;
  if (!/^-?\d+$/.test(value) || number < minimum || number > maximum) {
    throw new UsageError(
      `--${flag} must be a whole number from ${minimum} to ${maximum}; got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}

/**
 * An image flag: an http(s) URL is sent as is; anything else is a local PNG/JPEG file, sent as raw Base64
 * (the API rejects a `data:` prefix). The server checks size, dimensions and aspect ratio.
 */
export async function readImageFlag(value: string): Promise<string> {
  if (/^https?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new UsageError(`--image ${value} is not a valid URL.`);
    }
    return value;
  }
  const info = await stat(value).catch(() => undefined);
  if (!info?.isFile())
    throw new UsageError(`--image ${value}: no such file (give a PNG/JPEG path or an http(s) URL).`);
  const bytes = await readFile(value);
  const isPng = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) throw new UsageError(`--image ${value} is neither a PNG nor a JPEG file.`);
  return bytes.toString('base64');
}

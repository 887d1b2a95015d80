/** Throws a RangeError naming the option and its allowed range; shared by every numeric option. */
export function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}; got ${value}`);
  }
  return value;
}

/**
 * Every option set, none undefined: what is left once defaults are filled in. `Required` alone keeps an
 * option's `| undefined` (the public types admit it, so that callers may pass an unset variable).
 */
export type Resolved<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

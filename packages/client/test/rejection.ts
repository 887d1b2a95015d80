import { expect } from 'vitest';

/** The rejection of `call`, which must be an instance of `type`: a call that resolves fails the test. */
export async function rejectionOf<T extends Error>(
  call: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

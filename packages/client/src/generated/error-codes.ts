/**
 * GENERATED FILE - DO NOT EDIT BY HAND.
 * Source: spec/dist/openapi.json, by scripts/codegen-error-codes.mjs: the `code` enums of its error responses.
 * Regenerate with `pnpm --filter @klingkit/client codegen`; a test fails when this file is stale.
 */

/** Every business code the spec declares, with the HTTP statuses it is declared under, lowest first. */
export const ERROR_CODE_STATUSES: Readonly<Record<number, readonly number[]>> = {
  1000: [401],
  1001: [401],
  1002: [401],
  1003: [401],
  1004: [401],
  1100: [429],
  1101: [429],
  1102: [429],
  1103: [403],
  1200: [400, 413],
  1201: [400],
  1202: [404],
  1203: [404],
  1300: [400],
  1301: [400],
  1302: [429],
  1303: [429],
  1304: [429],
  5000: [500],
  5001: [503],
  5002: [504],
};

/** Types for codegen-enums.mjs, which runs as plain Node without a TypeScript loader. */
export declare const enumsFile: string;
/** Each request body schema's enum fields: `{ values, default? }` by field, by schema name. */
export declare function requestEnums(
  spec: unknown,
): Record<string, Record<string, { values: unknown[]; default?: unknown }>>;
export declare function generateEnumsSource(spec?: unknown): Promise<string>;

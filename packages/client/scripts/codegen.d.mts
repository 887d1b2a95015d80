/** Types for codegen.mjs, which runs as plain Node without a TypeScript loader. */
export declare const schemaFile: string;
export declare function generateSchemaSource(): Promise<string>;

/** Types for codegen-error-codes.mjs, which runs as plain Node without a TypeScript loader. */
export declare const errorCodesFile: string;
export declare function errorCodeStatuses(spec: unknown): Map<number, number[]>;
export declare function generateErrorCodesSource(): Promise<string>;

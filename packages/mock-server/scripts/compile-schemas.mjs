// Writes the request validators as Ajv standalone code into dist/, so a mock started from the build
// compiles nothing (see src/validation/compiled-schemas.ts, which holds everything this runs).
import { writeFileSync } from 'node:fs';
import { COMPILED_SCHEMAS_FILE, standaloneSchemasSource } from '../dist/validation/compiled-schemas.js';
import { loadSpec, specSha256 } from '../dist/validation/spec.js';

const file = new URL(`../dist/validation/${COMPILED_SCHEMAS_FILE}`, import.meta.url);
writeFileSync(file, standaloneSchemasSource(loadSpec(), specSha256()));

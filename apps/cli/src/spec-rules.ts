import type { TaskFamily } from '@klingkit/client';
import { TASK_SCHEMAS } from '@klingkit/client/spec-facts';
import spec from '@klingkit/spec/openapi.json' with { type: 'json' };

/** The parts of a request-field schema the CLI reads to check flags before any request is sent. */
export interface FieldSchema {
  type?: string;
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

/** Both families, in the order help text names them. */
export const FAMILIES = Object.keys(TASK_SCHEMAS) as TaskFamily[];

const components = (
  spec as unknown as {
    components: {
      schemas: Record<string, { properties?: Record<string, FieldSchema> }>;
      parameters: Record<string, { name: string; schema: FieldSchema }>;
    };
  }
).components;

/** A request field's schema, read from the bundled spec so flag checks never drift from the API. */
export function fieldSchema(family: TaskFamily, field: string): FieldSchema | undefined {
  return components.schemas[TASK_SCHEMAS[family].request]?.properties?.[field];
}

/** A list query parameter's schema (`pageNum`, `pageSize`), read from the spec's shared parameters. */
export function queryParameterSchema(name: string): FieldSchema {
  const parameter = Object.values(components.parameters).find((candidate) => candidate.name === name);
  // Only a spec that renamed the parameter gets here; the CLI's tests would fail on it first.
  if (!parameter) throw new Error(`The spec has no query parameter ${name}.`);
  return parameter.schema;
}

/** `1-9 (default 1)`: help text for an integer field, with the default when the spec gives one. */
export function describeRange(schema: FieldSchema | undefined): string {
  const range = bounds(schema);
  return schema?.default === undefined ? range : `${range} (default ${schema.default})`;
}

/** `2-9`: an integer field's range alone, for a flag that always sends a value. */
export function bounds(schema: FieldSchema | undefined): string {
  return `${schema?.minimum ?? '…'}-${schema?.maximum ?? '…'}`;
}

/** `a (default), b, c`: help text for an enum field. */
export function describeChoices(schema: FieldSchema | undefined): string {
  return (schema?.enum ?? [])
    .map((value) => (value === schema?.default ? `${value} (default)` : value))
    .join(', ');
}

/**
 * Help text for a request field of both families: said once when they agree, per family otherwise
 * (a field only one family has is said for that family).
 */
export function describeField(field: string, describe: (schema: FieldSchema | undefined) => string): string {
  const texts = FAMILIES.map((family) => ({ family, schema: fieldSchema(family, field) }))
    .filter(({ schema }) => schema !== undefined)
    .map(({ family, schema }) => ({ family, text: describe(schema) }));
  if (texts.length === FAMILIES.length && texts.every(({ text }) => text === texts[0]?.text))
    return texts[0]?.text ?? '';
  return texts.map(({ family, text }) => `${FAMILY_NAMES[family]}: ${text}`).join('; ');
}

const FAMILY_NAMES: Record<TaskFamily, string> = { generations: 'Image Generation', omni: 'Omni-Image' };

export function familyName(family: TaskFamily): string {
  return FAMILY_NAMES[family];
}

/**
 * Lays out option lines: the flag column, then the text wrapped at `width` with continuation lines
 * indented under it, so descriptions read from the spec (which may grow) stay readable.
 */
export function optionLines(options: [flag: string, text: string][], width = 100): string {
  const indent = ' '.repeat(24);
  return options
    .map(([flag, text]) => {
      const lines: string[] = [];
      let line = `  ${flag}`.padEnd(indent.length);
      let words = 0;
      for (const word of text.split(' ')) {
        if (words > 0 && line.length + 1 + word.length > width) {
          lines.push(line);
          line = indent;
          words = 0;
        }
        line += ` ${word}`;
        words++;
      }
      lines.push(line);
      return lines.join('\n');
    })
    .join('\n');
}

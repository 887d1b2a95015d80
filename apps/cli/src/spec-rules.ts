import type { TaskFamily } from '@klingkit/client';
import spec from '@klingkit/spec/openapi.json' with { type: 'json' };

/** The parts of a request-field schema the CLI reads to check flags before any request is sent. */
export interface FieldSchema {
  type?: string;
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

const SCHEMA_NAMES: Record<TaskFamily, string> = {
  generations: 'ImageGenerationCreateRequest',
  omni: 'OmniImageCreateRequest',
};

/** A request field's schema, read from the bundled spec so flag checks never drift from the API. */
export function fieldSchema(family: TaskFamily, field: string): FieldSchema | undefined {
  const schemas = (
    spec as unknown as {
      components: { schemas: Record<string, { properties?: Record<string, FieldSchema> }> };
    }
  ).components.schemas;
  return schemas[SCHEMA_NAMES[family]]?.properties?.[field];
}

import { REQUEST_ENUMS } from '../generated/enums.js';
import type { components } from '../generated/schema.js';
import type { TaskFamily } from '../lib/tasks.js';

/**
 * Each task family's schemas in the spec (`@klingkit/spec/openapi.json`, under `components.schemas`): the
 * body of its create request and the task object its queries, lists and callbacks return. The one table
 * that code reading the spec by name looks them up in (the mock's validators, the CLI's flag checks, the
 * gallery's form, `parseCallback`); a test holds it to the spec's paths.
 */
export const TASK_SCHEMAS = {
  generations: { request: 'ImageGenerationCreateRequest', task: 'ImageGenerationTask' },
  omni: { request: 'OmniImageCreateRequest', task: 'OmniImageTask' },
} as const satisfies Record<
  TaskFamily,
  // A request schema is one the generator found as a request body; a task schema is a generated type.
  { request: keyof typeof REQUEST_ENUMS; task: keyof components['schemas'] }
>;

/** A family's request enums: `RequestEnumsOf<'omni'>['aspect_ratio']['values']` is the tuple of its ratios. */
export type RequestEnumsOf<F extends TaskFamily> =
  (typeof REQUEST_ENUMS)[(typeof TASK_SCHEMAS)[F]['request']];

/** The enum fields of a family's create request: `requestEnums('omni').aspect_ratio` is `{ values, default }`. */
export function requestEnums<F extends TaskFamily>(family: F): RequestEnumsOf<F> {
  // TypeScript cannot follow an index through a generic key; the lookup itself is the type's definition.
  return REQUEST_ENUMS[TASK_SCHEMAS[family].request] as RequestEnumsOf<F>;
}

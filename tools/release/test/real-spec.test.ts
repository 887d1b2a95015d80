/** The classifier on klingkit's own bundled spec (turbo bundles it before this test). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRecord } from '../src/json-pointer.js';
import { BUNDLE, readJson } from '../src/repo.js';
import { diffSpecs } from '../src/spec-diff.js';
import { REPO_ROOT } from './workspace.js';

type Schema = Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
const load = () => readJson(join(REPO_ROOT, BUNDLE)) as { components: { schemas: Record<string, Schema> } };

describe('spec:diff on the bundled klingkit spec', () => {
  it('finds nothing between the spec and itself (its rules, envelopes and callbacks add no noise)', () => {
    expect(diffSpecs(load(), load())).toEqual([]);
  });

  it("gives the issue's example: a request enum losing '2:3' is breaking, and says why", () => {
    const after = load();
    const ratio = after.components.schemas.ImageGenerationCreateRequest?.properties.aspect_ratio as {
      enum: string[];
    };
    ratio.enum = ratio.enum.filter((value) => value !== '2:3');
    expect(diffSpecs(load(), after)).toEqual([
      {
        pointer: '/components/schemas/ImageGenerationCreateRequest/properties/aspect_ratio/enum',
        class: 'breaking',
        rule: 'enum-value-removed',
        reason: "request enum aspect_ratio lost '2:3': requests that send it now fail",
        operations: ['createImageGenerationTask'],
        library: 'breaking',
      },
    ]);
  });

  it('sees every cross-field rule of the spec: dropping them all reports each one, as additive', () => {
    const after = load();
    const dropped: string[] = [];
    for (const schema of Object.values(after.components.schemas)) {
      if (!Array.isArray(schema.allOf)) continue;
      const rules = schema.allOf.filter((entry) => isRecord(entry) && isRecord(entry['x-kling-rule']));
      dropped.push(...rules.map((entry) => String((entry['x-kling-rule'] as { id: unknown }).id)));
      schema.allOf = schema.allOf.filter((entry) => !rules.includes(entry));
    }
    expect(dropped.length).toBeGreaterThan(0);
    const changes = diffSpecs(load(), after);
    expect(changes.map((change) => change.rule)).toEqual(dropped.map(() => 'rule-removed'));
    expect(changes.every((change) => change.class === 'additive')).toBe(true);
    for (const id of dropped) expect(changes.some((change) => change.reason.includes(`'${id}'`))).toBe(true);
  });
});

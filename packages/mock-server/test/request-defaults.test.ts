import { afterEach, describe, expect, it } from 'vitest';
import { requestFields } from '../src/store/task-record.js';
import { createTestKit, type TestKit } from '../src/testing/index.js';
import { requestDefaults } from '../src/validation/request-defaults.js';
import { loadSpec, type SchemaObject } from '../src/validation/spec.js';

const kits: TestKit[] = [];
afterEach(async () => {
  await Promise.all(kits.splice(0).map((kit) => kit.close()));
});

describe('requestFields: a request as the platform reads it', () => {
  const spec = loadSpec();
  const schema = spec.components.schemas.OmniImageCreateRequest as SchemaObject;
  const defaults = requestDefaults(spec, schema);
  const defaultOf = (name: string) => (schema.properties?.[name] as SchemaObject | undefined)?.default;

  it("fills what the body omits with the spec's defaults and keeps what it sends", () => {
    const body = { prompt: 'a boat', aspect_ratio: '1:1' };
    expect(requestFields(body, defaults)).toEqual({
      prompt: 'a boat',
      aspectRatio: '1:1',
      resolution: defaultOf('resolution'),
      resultType: defaultOf('result_type') === 'series' ? 'series' : 'single',
      imageCount: defaultOf('n'),
      watermark: false,
    });
    expect(body).toEqual({ prompt: 'a boat', aspect_ratio: '1:1' });
  });

  it('fills an object the body sends (watermark_info: {}), and takes no nested default for one it omits', () => {
    const enabled = (
      spec.components.schemas.WatermarkInfoRequest?.properties?.enabled as SchemaObject | undefined
    )?.default;
    const edited = { ...defaults, nested: { watermark_info: { values: { enabled: true }, nested: {} } } };
    expect(requestFields({ prompt: 'x', watermark_info: {} }, defaults).watermark).toBe(enabled === true);
    expect(requestFields({ prompt: 'x', watermark_info: {} }, edited).watermark).toBe(true);
    expect(requestFields({ prompt: 'x', watermark_info: { enabled: false } }, edited).watermark).toBe(false);
    expect(requestFields({ prompt: 'x', watermark_info: { enabled: true } }, defaults).watermark).toBe(true);
    expect(requestFields({ prompt: 'x' }, edited).watermark).toBe(false);
  });

  it('reads a series from the body, with its own count', () => {
    expect(requestFields({ prompt: 'x', result_type: 'series', series_amount: 3 }, defaults)).toMatchObject({
      resultType: 'series',
      imageCount: 3,
    });
  });

  it('refuses to guess a setting the request lacks and the spec gives no default for', () => {
    expect(() => requestFields({ prompt: 'x', n: 1, resolution: '1k' })).toThrow(
      'The request has no aspect_ratio, and the spec gives it no default.',
    );
  });
});

describe('watermark_info in a create', () => {
  it.each(['generations', 'omni'] as const)(
    '%s: {} is accepted and asks for no watermark; {enabled: true} asks for one',
    async (family) => {
      const kit = createTestKit();
      kits.push(kit);
      const plain = await kit.kling.tasks.generate(family, { prompt: 'a fox', watermark_info: {} });
      expect(plain.task.watermark_info).toEqual({ enabled: false });
      expect(plain.images.some((image) => 'watermark_url' in image)).toBe(false);
      const marked = await kit.kling.tasks.generate(family, {
        prompt: 'a fox',
        watermark_info: { enabled: true },
      });
      expect(marked.task.watermark_info).toEqual({ enabled: true });
      expect(marked.images.every((image) => image.watermark_url !== undefined)).toBe(true);
    },
  );
});

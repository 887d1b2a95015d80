import { afterEach, describe, expect, it, vi } from 'vitest';
import { imageSize } from '../src/images/render-result-image.js';
import { createTestKit, type TestKit } from '../src/testing/index.js';
import type { OpenApiDocument, SchemaObject } from '../src/validation/spec.js';

/**
 * The mock reads the spec through one module (validation/spec.js). Here that module hands out a copy whose
 * request defaults differ from the real ones: a mock that restated defaults would keep answering with the
 * real ones; one that reads them follows the edit.
 */
const EDITS = vi.hoisted(
  () =>
    ({
      generations: { n: 3, aspect_ratio: '1:1', resolution: '2k' },
      omni: { series_amount: 6, aspect_ratio: '9:16', resolution: '4k' },
      watermarkEnabled: true,
    }) as const,
);

vi.mock('../src/validation/spec.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/validation/spec.js')>();
  const spec = structuredClone(real.loadSpec()) as OpenApiDocument;
  const property = (schema: string, name: string) =>
    spec.components.schemas[schema]?.properties?.[name] as SchemaObject;
  for (const [name, value] of Object.entries(EDITS.generations))
    property('ImageGenerationCreateRequest', name).default = value;
  for (const [name, value] of Object.entries(EDITS.omni))
    property('OmniImageCreateRequest', name).default = value;
  property('WatermarkInfoRequest', 'enabled').default = EDITS.watermarkEnabled;
  // Another spec text: the build's compiled validators (marked with the real spec's hash) are not used.
  return { ...real, loadSpec: () => spec, specSha256: () => `edited-${real.specSha256()}` };
});

const kits: TestKit[] = [];
afterEach(async () => {
  await Promise.all(kits.splice(0).map((kit) => kit.close()));
});

/** A test kit on the edited spec, closed after the test. */
function openKit(): TestKit {
  const kit = createTestKit();
  kits.push(kit);
  return kit;
}

/** Width and height of a PNG the mock serves at `url` (from its IHDR chunk). */
async function pngSize(kit: TestKit, url: string) {
  const bytes = Buffer.from(await (await kit.mock.fetch(new Request(url))).arrayBuffer());
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('a mock on a spec with other defaults', () => {
  it.each([
    {
      title: 'gives an Image Generation request that omits them the edited n, aspect ratio and resolution',
      family: 'generations',
      request: { prompt: 'a fox' },
      count: EDITS.generations.n,
      size: imageSize(EDITS.generations.aspect_ratio, EDITS.generations.resolution),
    },
    {
      title: 'gives an Omni-Image series the edited series_amount, aspect ratio and resolution',
      family: 'omni',
      request: { prompt: 'a boat', result_type: 'series' },
      count: EDITS.omni.series_amount,
      size: imageSize(EDITS.omni.aspect_ratio, EDITS.omni.resolution),
    },
  ] as const)('$title', async ({ family, request, count, size }) => {
    const kit = openKit();
    const { images } = await kit.kling.tasks.generate(family, request);
    expect(images).toHaveLength(count);
    expect(await pngSize(kit, images[0]?.url ?? '')).toEqual(size);
  });

  it('reads watermark_info: {} with the edited default of enabled', async () => {
    const kit = openKit();
    const { task, images } = await kit.kling.tasks.generate('generations', {
      prompt: 'a fox',
      watermark_info: {},
    });
    expect(task.watermark_info).toEqual({ enabled: EDITS.watermarkEnabled });
    expect(images.every((image) => image.watermark_url !== undefined)).toBe(true);
  });

  it('seeds tasks with the same defaults as creates', async () => {
    const kit = openKit();
    const [generations, series] = await kit.mock.seed([
      { request: { prompt: 'a fox' } },
      { family: 'omni', request: { prompt: 'a boat', result_type: 'series' } },
    ]);
    const result = (seeded: typeof generations) =>
      seeded?.task.task_result as { images?: unknown[]; series_images?: unknown[] } | undefined;
    expect(result(generations)?.images).toHaveLength(EDITS.generations.n);
    expect(result(series)?.series_images).toHaveLength(EDITS.omni.series_amount);
  });
});

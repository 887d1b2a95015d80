import { describe, expect, it } from 'vitest';
import { pngOf } from '../../test/fixtures/images.js';
import { runtimeAndBuiltSchemas } from '../../test/fixtures/schemas.js';
import { createRequestValidator } from './request-validator.js';
import { loadSpec } from './spec.js';

const image = pngOf(400, 300).toString('base64');

// Every case runs against the validators Ajv compiles at start-up and the standalone code the build writes.
describe.each(runtimeAndBuiltSchemas())('with %s validators', (_kind, schemas) => {
  const validator = createRequestValidator(loadSpec(), schemas);
  const generations = (body: unknown) => validator.checkCreate('generations', body);
  const omni = (body: unknown) => validator.checkCreate('omni', body);

  /** A PNG signature and one byte over the 10 MB limit: size is checked before decoding. */
  function overTenMegabytes(): string {
    const bytes = Buffer.alloc(10 * 1024 * 1024 + 1);
    pngOf(400, 300).copy(bytes);
    return bytes.toString('base64');
  }

  describe('create bodies', () => {
    it('accepts valid requests of both families', () => {
      expect(generations({ prompt: 'fox', n: 2, aspect_ratio: '1:1' })).toBeUndefined();
      expect(
        generations({
          prompt: 'fox',
          model_name: 'kling-v1-5',
          image,
          image_reference: 'subject',
          human_fidelity: 0.3,
        }),
      ).toBeUndefined();
      expect(
        omni({
          prompt: 'fox <<<image_1>>>',
          image_list: [{ image }],
          result_type: 'series',
          series_amount: 3,
        }),
      ).toBeUndefined();
    });

    it.each([
      [{}, 1201, 'prompt', 'Missing required parameter prompt'],
      [
        { prompt: 'x', foo: 1 },
        1201,
        'foo',
        'Unknown parameter foo; allowed parameters: model_name, model, prompt',
      ],
      [{ prompt: 'x', n: '9' }, 1201, 'n', 'Invalid parameter n: must be an integer; got "9"'],
      [{ prompt: 'x', n: 12 }, 1201, 'n', 'Invalid parameter n: must be from 1 to 9; got 12'],
      [{ prompt: 'x'.repeat(2501) }, 1201, 'prompt', 'length must be from 1 to 2500 characters; got 2501'],
      [
        { prompt: 'x', aspect_ratio: '5:4' },
        1201,
        'aspect_ratio',
        'must be one of 16:9, 9:16, 1:1, 4:3, 3:4, 3:2, 2:3, 21:9; got "5:4"',
      ],
      [
        { prompt: 'x', model_name: 'kling-v9' },
        1203,
        'model_name',
        'model_name "kling-v9" does not exist: must be one of kling-v1,',
      ],
      [{ prompt: 'x', resolution: '4k' }, 1201, 'resolution', 'must be one of 1k, 2k'],
      [
        { prompt: 'x', image, negative_prompt: 'blur' },
        1201,
        'negative_prompt',
        'not supported together with image',
      ],
      [
        { prompt: 'x', model_name: 'kling-v1-5', image },
        1201,
        'image_reference',
        'required when model_name is kling-v1-5',
      ],
      [{ prompt: 'x', image_reference: 'face' }, 1201, 'image_reference', 'applies only to image-to-image'],
      [
        { prompt: 'x', model_name: 'kling-v2', image_fidelity: 0.5 },
        1201,
        'image_fidelity',
        'kling-v1 and kling-v1-5 only',
      ],
      [{ prompt: 'x', human_fidelity: 0.5 }, 1201, 'human_fidelity', 'only on kling-v1-5'],
      [{ prompt: 'x', aspect_ratio: '21:9' }, 1201, 'aspect_ratio', "'21:9' is not available on kling-v1"],
      [
        { prompt: 'x', element_list: [{ element_id: 'a' }] },
        1201,
        'element_list[0].element_id',
        'must be an integer',
      ],
      [{ prompt: 'x', callback_url: 'ftp://host/x' }, 1201, 'callback_url', 'callback_url'],
    ])('rejects case %# with %i naming %s', (body, code, field, message) => {
      const failure = generations(body);
      expect(failure).toMatchObject({ code, field });
      expect(failure?.message).toContain(message);
    });

    it.each([
      [{ prompt: 'x', result_type: 'series', n: 2 }, 'n', "n applies only when result_type is 'single'"],
      [
        { prompt: 'x', series_amount: 3 },
        'series_amount',
        "series_amount applies only when result_type is 'series'",
      ],
      [{ prompt: 'x', series_amount: 3, result_type: 'single' }, 'series_amount', 'applies only'],
      [
        { prompt: '<<<image_2>>>', image_list: [{ image }] },
        'prompt',
        '<<<image_2>>> with 1 item(s) in image_list',
      ],
      [{ prompt: '<<<element_1>>>' }, 'prompt', '<<<element_1>>> with 0 item(s) in element_list'],
      [
        {
          prompt: 'x',
          image_list: Array(6).fill({ image: 'https://a.example/x.png' }),
          element_list: Array(5).fill({ element_id: 1 }),
        },
        'image_list',
        'at most 10 references (got 11)',
      ],
    ])('applies the Omni rules: case %# names %s', (body, field, message) => {
      const failure = omni(body);
      expect(failure).toMatchObject({ code: 1201, field });
      expect(failure?.message).toContain(message);
    });

    it.each([
      [`data:image/png;base64,${image}`, "without a 'data:image/...;base64,' prefix"],
      ['not base64!!', 'neither an http(s) URL nor valid Base64'],
      ['ftp://example.com/a.png', "URL scheme 'ftp' is not allowed"],
      [
        Buffer.from('GIF89a-not-an-allowed-image-format').toString('base64'),
        'GIF images are not allowed; allowed formats: PNG, JPEG',
      ],
      [pngOf(200, 300).toString('base64'), 'image is 200x300 px; both sides must be at least 300 px'],
      [pngOf(1000, 300).toString('base64'), 'aspect ratio 1000:300 (3.33) is outside 1:2.5..2.5:1'],
      [pngOf(400, 300).subarray(0, 60).toString('base64'), 'truncated'],
      [overTenMegabytes(), 'image is 10485761 bytes; at most 10485760 bytes (10 MB) are allowed'],
    ])('checks image content deeply: %#', (value, message) => {
      expect(generations({ prompt: 'x', image: value })?.message).toContain(message);
      expect(omni({ prompt: 'x', image_list: [{ image: value }] })).toMatchObject({
        field: 'image_list[0].image',
      });
    });
  });

  describe('which error is reported', () => {
    // Found by the fuzzer: a body breaking both a field and a cross-field rule named only the rule.
    it("reports a field's own error before a rule between fields", () => {
      expect(generations({ prompt: 0, aspect_ratio: '21:9' })).toMatchObject({ field: 'prompt' });
      expect(generations({ prompt: 'x', aspect_ratio: '21:9', extra: 1 })).toMatchObject({ field: 'extra' });
      expect(generations({ prompt: 'x', aspect_ratio: '21:9' })).toMatchObject({ field: 'aspect_ratio' });
    });
  });

  describe('list queries', () => {
    it('applies the spec defaults and ranges', () => {
      expect(validator.parseListQuery(new URLSearchParams())).toEqual({ pageNum: 1, pageSize: 30 });
      expect(
        validator.parseListQuery(new URLSearchParams('pageNum=2&pageSize=500&external_task_id=a')),
      ).toEqual({
        pageNum: 2,
        pageSize: 500,
        externalTaskId: 'a',
      });
      expect(validator.parseListQuery(new URLSearchParams('pageNum=1001'))).toMatchObject({
        code: 1201,
        field: 'pageNum',
        message: 'Invalid query parameter pageNum: must be an integer from 1 to 1000; got "1001"',
      });
      expect(validator.parseListQuery(new URLSearchParams('pageSize=ten'))).toMatchObject({
        field: 'pageSize',
      });
    });
  });
});

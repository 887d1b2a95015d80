/**
 * GENERATED FILE - DO NOT EDIT BY HAND.
 * Source: spec/dist/openapi.json (bundled from spec/), by scripts/codegen-enums.mjs.
 * Regenerate with `pnpm --filter @klingkit/client codegen`; a test fails when this file is stale.
 */

/**
 * The enum fields of each create request, by schema name: the values the spec allows, in its order, and the
 * field's default when it has one. `requestEnums(family)` in `@klingkit/client/spec-facts` picks a family's.
 */
export const REQUEST_ENUMS = {
  "ImageGenerationCreateRequest": {
    "model_name": {"values":["kling-v1","kling-v1-5","kling-v2","kling-v2-new","kling-v2-1","kling-v3"],"default":"kling-v1"},
    "image_reference": {"values":["subject","face"]},
    "resolution": {"values":["1k","2k"],"default":"1k"},
    "aspect_ratio": {"values":["16:9","9:16","1:1","4:3","3:4","3:2","2:3","21:9"],"default":"16:9"}
  },
  "OmniImageCreateRequest": {
    "model_name": {"values":["kling-image-o1","kling-v3-omni"],"default":"kling-image-o1"},
    "resolution": {"values":["1k","2k","4k"],"default":"1k"},
    "result_type": {"values":["single","series"],"default":"single"},
    "aspect_ratio": {"values":["16:9","9:16","1:1","4:3","3:4","3:2","2:3","21:9","auto"],"default":"auto"}
  }
} as const;

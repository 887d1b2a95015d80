import type { MockContext } from '../mock-context.js';
import type { MockRequest, MockResponse } from './mock-request.js';

/**
 * Serves result images at the URLs tasks carry. Like the platform's links they need no credentials, and like
 * them they stop working once the retention period (30 days by default, in mock-clock time) has passed.
 */
export async function handleImage(context: MockContext, request: MockRequest): Promise<MockResponse> {
  const match = /^\/__mock\/images\/([^/]+)\/(\d+)(-watermark)?\.png$/.exec(request.path);
  const record = match ? context.store.getAny(decodeURIComponent(match[1] as string)) : undefined;
  const index = Number(match?.[2]);
  const watermark = Boolean(match?.[3]);
  if (
    !match ||
    !record ||
    record.status !== 'succeed' ||
    index >= record.imageCount ||
    (watermark && !record.watermark)
  ) {
    return notFound('No such result image');
  }
  if (context.clock.now() - record.endsAt > context.options.retentionMs) {
    return notFound('Result image expired: results are deleted after the retention period');
  }
  const image = await context.images.get(`${record.taskId}/${index}/${watermark}`, async () =>
    // The PNG encoder loads with the first image asked for: a mock that only answers API calls never needs it.
    (await import('../images/render-result-image.js')).renderResultImage({
      prompt: record.prompt,
      index,
      aspectRatio: record.aspectRatio,
      resolution: record.resolution,
      watermark,
    }),
  );
  return {
    status: 200,
    headers: {
      'content-type': 'image/png',
      'cache-control': 'public, max-age=86400',
    },
    body: image,
  };
}

function notFound(message: string): MockResponse {
  return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message };
}

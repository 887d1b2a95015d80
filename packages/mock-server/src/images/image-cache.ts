import { LRUCache } from 'lru-cache';

/**
 * A bounded least-recently-used cache of rendered images, so repeated downloads cost one render and the
 * mock's memory stays flat however many tasks it serves. It holds the render's promise, so concurrent
 * downloads of one image share a single render; a failed render is not kept.
 */
export function createImageCache(maxEntries: number) {
  const entries = new LRUCache<string, Promise<Buffer>>({ max: maxEntries });
  return {
    get(key: string, render: () => Promise<Buffer>): Promise<Buffer> {
      const hit = entries.get(key);
      if (hit) return hit;
      const image = render();
      entries.set(key, image);
      image.catch(() => {
        if (entries.peek(key) === image) entries.delete(key);
      });
      return image;
    },
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
  };
}

export type ImageCache = ReturnType<typeof createImageCache>;

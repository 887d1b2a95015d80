/**
 * A bounded least-recently-used cache of rendered images, so repeated downloads cost one render and the
 * mock's memory stays flat however many tasks it serves.
 */
export function createImageCache(maxEntries: number) {
  const entries = new Map<string, Buffer>();
  return {
    get(key: string, render: () => Buffer): Buffer {
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const image = render();
      entries.set(key, image);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return image;
    },
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
  };
}

export type ImageCache = ReturnType<typeof createImageCache>;

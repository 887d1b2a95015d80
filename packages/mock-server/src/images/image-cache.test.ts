import { describe, expect, it } from 'vitest';
import { createImageCache } from './image-cache.js';

/** A render that counts its calls and yields the key's bytes. */
function counting() {
  const calls: string[] = [];
  return {
    calls,
    render: (key: string) => () => {
      calls.push(key);
      return Promise.resolve(Buffer.from(key));
    },
  };
}

describe('rendered images', () => {
  it('renders each image once, however many downloads ask for it at once', async () => {
    const cache = createImageCache(4);
    const { calls, render } = counting();
    const images = await Promise.all([1, 2, 3].map(() => cache.get('a', render('a'))));
    expect(images.map(String)).toEqual(['a', 'a', 'a']);
    expect(calls).toEqual(['a']);
  });

  it('keeps at most its bound, dropping the least recently downloaded', async () => {
    const cache = createImageCache(2);
    const { calls, render } = counting();
    await cache.get('a', render('a'));
    await cache.get('b', render('b'));
    await cache.get('a', render('a'));
    await cache.get('c', render('c'));
    expect(cache.size).toBe(2);
    await cache.get('a', render('a'));
    await cache.get('b', render('b'));
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('forgets a failed render, so the next download tries again', async () => {
    const cache = createImageCache(2);
    await expect(cache.get('a', () => Promise.reject(new Error('no memory')))).rejects.toThrow('no memory');
    expect(cache.size).toBe(0);
    expect(String(await cache.get('a', () => Promise.resolve(Buffer.from('a'))))).toBe('a');
  });
});

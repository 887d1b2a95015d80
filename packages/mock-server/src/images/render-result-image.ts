import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';

export interface ResultImageSpec {
  prompt: string;
  index: number;
  /** `W:H` as in the request; `auto` renders square. */
  aspectRatio: string;
  resolution: string;
  watermark: boolean;
}

/**
 * Long side in pixels per requested resolution. Real results are 1-4k; the mock renders smaller images of the
 * requested shape so that tests stay fast and memory stays low (documented in the package README).
 */
const LONG_SIDE: Record<string, number> = { '1k': 512, '2k': 768, '4k': 1024 };

export function imageSize(aspectRatio: string, resolution: string): { width: number; height: number } {
  const long = LONG_SIDE[resolution] ?? 512;
  const [w, h] = aspectRatio === 'auto' ? [1, 1] : aspectRatio.split(':').map(Number);
  const ratio = (w || 1) / (h || 1);
  return ratio >= 1
    ? { width: long, height: Math.max(1, Math.round(long / ratio)) }
    : { width: Math.max(1, Math.round(long * ratio)), height: long };
}

/**
 * A deterministic PNG for one result: the same prompt and index always give the same bytes, different
 * indexes give visibly different pictures (colours and shapes seeded by a hash of prompt and index). The
 * watermark variant adds an unmistakable striped band across the lower third.
 */
export function renderResultImage(spec: ResultImageSpec): Buffer {
  const { width, height } = imageSize(spec.aspectRatio, spec.resolution);
  const seed = createHash('sha256').update(`${spec.prompt}\u0000${spec.index}`).digest();
  const from = [seed[0], seed[1], seed[2]] as number[];
  const to = [seed[3], seed[4], seed[5]] as number[];
  const accent = [255 - (seed[6] as number), seed[7] as number, 255 - (seed[8] as number)];
  const circles = Array.from({ length: 3 + ((seed[9] as number) % 4) }, (_, i) => ({
    x: ((seed[10 + i] as number) / 255) * width,
    y: ((seed[14 + i] as number) / 255) * height,
    r: (0.08 + ((seed[18 + i] as number) / 255) * 0.2) * Math.min(width, height),
  }));

  const png = new PNG({ width, height });
  const { data } = png;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      let rgb = from.map((c, i) => c + ((to[i] as number) - c) * t);
      if (circles.some((c) => (x - c.x) ** 2 + (y - c.y) ** 2 < c.r ** 2)) rgb = accent;
      if (spec.watermark && y > height * 0.62 && y < height * 0.8 && ((x + y) >> 4) % 2 === 0)
        rgb = [255, 255, 255];
      const offset = (y * width + x) * 4;
      data[offset] = rgb[0] as number;
      data[offset + 1] = rgb[1] as number;
      data[offset + 2] = rgb[2] as number;
      data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(png, { deflateLevel: 3 });
}

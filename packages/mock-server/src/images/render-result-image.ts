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
 *
 * Painting is a few tight loops over typed arrays, and the PNG is compressed by zlib on libuv's thread
 * pool, so a render holds up other requests only for the painting, never for the encode.
 */
export function renderResultImage(spec: ResultImageSpec): Promise<Buffer> {
  const { width, height } = imageSize(spec.aspectRatio, spec.resolution);
  const seed = createHash('sha256').update(`${spec.prompt}\u0000${spec.index}`).digest();
  const byte = (i: number) => seed[i] as number;
  // The Sub filter turns a horizontal gradient into near-constant rows, which deflate well, at a fraction
  // of the cost of pngjs's adaptive filtering.
  const png = new PNG({ width, height, filterType: 1, deflateLevel: 6 });
  paintGradient(png.data, width, height, [byte(0), byte(1), byte(2)], [byte(3), byte(4), byte(5)]);
  const accent = [255 - byte(6), byte(7), 255 - byte(8)] as const;
  for (let i = 0; i < 3 + (byte(9) % 4); i++) {
    const cx = (byte(10 + i) / 255) * width;
    const cy = (byte(14 + i) / 255) * height;
    const r = (0.08 + (byte(18 + i) / 255) * 0.2) * Math.min(width, height);
    paintDisc(png.data, width, height, cx, cy, r, accent);
  }
  if (spec.watermark) paintWatermark(png.data, width, height);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    png
      .pack()
      .on('data', (chunk: Buffer) => chunks.push(chunk))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
}

type Rgb = readonly [number, number, number];

/** A diagonal gradient from `from` (top left) to `to` (bottom right), fully opaque. */
function paintGradient(data: Buffer, width: number, height: number, from: Rgb, to: Rgb) {
  const xShare = new Float64Array(width);
  for (let x = 0; x < width; x++) xShare[x] = x / width / 2;
  for (let y = 0; y < height; y++) {
    const yShare = y / height / 2;
    let offset = y * width * 4;
    for (let x = 0; x < width; x++, offset += 4) {
      const t = yShare + (xShare[x] as number);
      data[offset] = from[0] + (to[0] - from[0]) * t;
      data[offset + 1] = from[1] + (to[1] - from[1]) * t;
      data[offset + 2] = from[2] + (to[2] - from[2]) * t;
      data[offset + 3] = 255;
    }
  }
}

/** A filled disc: per row, the span of pixels strictly inside the circle. */
function paintDisc(data: Buffer, width: number, height: number, cx: number, cy: number, r: number, rgb: Rgb) {
  for (let y = Math.max(0, Math.ceil(cy - r)); y < Math.min(height, cy + r); y++) {
    const half = Math.sqrt(r * r - (y - cy) ** 2);
    let offset = (y * width + Math.max(0, Math.floor(cx - half))) * 4;
    for (let x = Math.max(0, Math.floor(cx - half)); x < Math.min(width, cx + half); x++, offset += 4) {
      if ((x - cx) ** 2 + (y - cy) ** 2 >= r * r) continue;
      data[offset] = rgb[0];
      data[offset + 1] = rgb[1];
      data[offset + 2] = rgb[2];
    }
  }
}

/** White diagonal stripes across the lower third, as the platform's watermark variant is visibly marked. */
function paintWatermark(data: Buffer, width: number, height: number) {
  for (let y = Math.floor(height * 0.62) + 1; y < height * 0.8; y++) {
    for (let x = 0; x < width; x++) {
      if (((x + y) >> 4) % 2 !== 0) continue;
      data.fill(255, (y * width + x) * 4, (y * width + x) * 4 + 3);
    }
  }
}

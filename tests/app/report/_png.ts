/**
 * A minimal PNG decoder for the browser test: 8-bit RGB or RGBA,
 * non-interlaced (what Chromium's screenshots are), all five row filters.
 *
 * @module
 */
import { inflateSync } from "node:zlib";

/** A decoded image: `channels` bytes per pixel, rows top to bottom. */
export interface Image {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
}

/** Decodes a PNG; throws a `TypeError` for anything but 8-bit RGB(A) without interlacing. */
export function decodePng(png: Uint8Array): Image {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8;
  let width = 0, height = 0, channels = 0;
  const idat: Uint8Array[] = [];
  while (off < png.length) {
    const len = view.getUint32(off);
    const type = new TextDecoder().decode(png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = view.getUint32(off + 8);
      height = view.getUint32(off + 12);
      const [depth, color, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0) {
        throw new TypeError(`Cannot decode the PNG as it is not 8-bit RGB(A), non-interlaced`);
      }
      channels = color === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels] : 0;
      const b = prev[x];
      const c = x >= channels ? prev[x - channels] : 0;
      let p: number;
      switch (filter) {
        case 0:
          p = 0;
          break;
        case 1:
          p = a;
          break;
        case 2:
          p = b;
          break;
        case 3:
          p = (a + b) >> 1;
          break;
        default: {
          const e = a + b - c;
          const [da, db, dc] = [Math.abs(e - a), Math.abs(e - b), Math.abs(e - c)];
          p = da <= db && da <= dc ? a : db <= dc ? b : c;
        }
      }
      row[x] = (src[x] + p) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How many pixels are within `tolerance` (per channel) of the colour `#rrggbb`. */
export function countColour(img: Image, hex: string, tolerance = 12): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    const p = img.pixels;
    if (
      Math.abs(p[i] - r) <= tolerance && Math.abs(p[i + 1] - g) <= tolerance &&
      Math.abs(p[i + 2] - b) <= tolerance
    ) n++;
  }
  return n;
}

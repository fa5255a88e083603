import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ICNS_TYPES, ICO_SIZES, PNG_SIZES, appIcon, documentIcon, encodePng, rasterize } from '../../build/icons/generate-icons.mjs';

const icons = path.join(import.meta.dirname, '../../build/icons');
const read = (name: string) => readFileSync(path.join(icons, name));

interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** A strict decoder for the PNGs we write: every chunk's CRC checked (node:zlib's crc32), RGBA 8-bit. */
function decodePng(bytes: Uint8Array): DecodedPng {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  expect([...view.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < view.length) {
    const length = view.readUInt32BE(offset);
    const type = view.toString('latin1', offset + 4, offset + 8);
    const data = view.subarray(offset + 8, offset + 8 + length);
    expect(view.readUInt32BE(offset + 8 + length), `${type} CRC`).toBe(crc32(view.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[10], data[11], data[12]]).toEqual([8, 6, 0, 0, 0]);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    offset += 12 + length;
  }
  expect(ended).toBe(true);
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (width * 4 + 1));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0); // filter: none
    rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return { width, height, rgba };
}

const pixel = (png: DecodedPng, x: number, y: number) => [...png.rgba.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4)];

describe('app icon PNGs', () => {
  it('exist at every size from 16 to 1024 px, square, RGBA', () => {
    for (const size of PNG_SIZES) {
      const png = decodePng(read(`png/${size}x${size}.png`));
      expect([png.width, png.height]).toEqual([size, size]);
    }
    expect(decodePng(read('icon.png')).width).toBe(1024);
  });

  it('show the drawing: transparent corners, the gradient tile, the amber output neuron', () => {
    const png = decodePng(read('png/1024x1024.png'));
    expect(pixel(png, 4, 4)[3]).toBe(0);
    expect(pixel(png, 1019, 1019)[3]).toBe(0);
    const topLeft = pixel(png, 200, 160);
    const bottomRight = pixel(png, 860, 860);
    expect(topLeft[3]).toBe(255);
    expect(topLeft[2]! > topLeft[1]!).toBe(true); // indigo: more blue than green
    expect(bottomRight[1]! > topLeft[1]!).toBe(true); // teal: greener towards the bottom right
    expect(pixel(png, 734, 512)).toEqual([245, 158, 11, 255]); // #f59e0b at the output neuron's centre
  });

  it('are what the committed generator draws (checked at 16 and 64 px)', () => {
    for (const size of [16, 64]) {
      expect(encodePng(rasterize(appIcon(size > 32), size), size).equals(read(`png/${size}x${size}.png`)), `${size}px`).toBe(true);
    }
  });
});

describe('icon containers', () => {
  it('icon.ico and document.ico hold PNGs of 16 to 256 px', () => {
    for (const name of ['icon.ico', 'document.ico']) {
      const ico = read(name);
      expect(ico.readUInt16LE(0)).toBe(0);
      expect(ico.readUInt16LE(2)).toBe(1);
      const count = ico.readUInt16LE(4);
      const sizes: number[] = [];
      for (let k = 0; k < count; k++) {
        const e = 6 + 16 * k;
        const size = ico[e] === 0 ? 256 : ico[e]!;
        const length = ico.readUInt32LE(e + 8);
        const offset = ico.readUInt32LE(e + 12);
        expect(offset + length).toBeLessThanOrEqual(ico.length);
        const png = decodePng(ico.subarray(offset, offset + length));
        expect([png.width, png.height]).toEqual([size, size]);
        sizes.push(size);
      }
      expect(sizes).toEqual(ICO_SIZES);
    }
  });

  it('icon.icns and document.icns hold PNG elements of the sizes their types name', () => {
    for (const name of ['icon.icns', 'document.icns']) {
      const icns = read(name);
      expect(icns.toString('latin1', 0, 4)).toBe('icns');
      expect(icns.readUInt32BE(4)).toBe(icns.length);
      const seen: [string, number][] = [];
      let offset = 8;
      while (offset < icns.length) {
        const type = icns.toString('latin1', offset, offset + 4);
        const length = icns.readUInt32BE(offset + 4);
        const png = decodePng(icns.subarray(offset + 8, offset + length));
        expect(png.width, type).toBe(png.height);
        seen.push([type, png.width]);
        offset += length;
      }
      expect(offset).toBe(icns.length);
      expect(seen).toEqual(ICNS_TYPES);
    }
  });

  it('the SVG sources are the drawing: a 1024 viewBox with the gradient tile and amber neuron', () => {
    const svg = read('icon.svg').toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 1024 1024"/);
    expect(svg).toContain('<linearGradient');
    expect(svg).toContain('fill="#f59e0b"');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(read('document.svg').toString('utf8')).toContain('<polygon');
    expect(documentIcon(true).length).toBeGreaterThan(appIcon(true).length);
  });
});

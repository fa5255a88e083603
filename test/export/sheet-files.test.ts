// Issue 18: sheets drawn a row of cells at a time and SVGs written a thumbnail at a time are the
// bytes of the whole-sheet drawing (drawSheet + encodePng, renderSheetSvg), over several sheets.
import { DOMParser } from '@xmldom/xmldom';
import { concatBytes } from '../../workers/formats/bytes';
import { describe, expect, it } from 'vitest';
import { sheetPng, writeSheetSvg, type FileWriter, type ThumbnailSource } from '../../workers/export/sheet-files';
import { drawSheet, layoutSheets, type LayerGallery, type SheetOptions } from '../../workers/export/sprite';
import { renderSheetSvg } from '../../workers/export/svg';
import { decodeOwnPng, encodePng } from '../../workers/imaging/png';
import type { RGBAImage } from '../../workers/imaging/thumbnail';
import { decodePng } from './decode-png';

const COUNT = 60;

/** Thumbnails of varied pixels, some partly transparent (blended over the sheet), 9 × 7. */
function thumbnails(): RGBAImage[] {
  let s = 7;
  const next = (): number => (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return Array.from({ length: COUNT }, () => {
    const data = new Uint8ClampedArray(9 * 7 * 4);
    for (let p = 0; p < data.length; p++) data[p] = p % 4 === 3 ? [255, 0, 128, 255][next() % 4] : next();
    return { width: 9, height: 7, data };
  });
}

function layout(maxSide: number) {
  const g: LayerGallery = { title: 'conv', xstar: new Float32Array(0), inputShape: [1, 7, 9], channelsLast: false, activations: Float32Array.from({ length: COUNT }, (_, i) => i / 3 - 4), labels: Array.from({ length: COUNT }, (_, i) => `class ${i}`), count: COUNT, layerMax: 0 };
  const options: SheetOptions = { colormap: 'rdbu', scale: 'neuron', factor: 1, showValues: true, maxSide };
  return layoutSheets(g, 9, 7, options);
}

/** Hands out thumbnails one at a time, counting what is asked. */
function source(thumbs: readonly RGBAImage[]): { source: ThumbnailSource; asked: number[] } {
  const asked: number[] = [];
  return { asked, source: { image: async (n) => (asked.push(n), thumbs[n]), png: async (n) => (asked.push(n), encodePng(thumbs[n])) } };
}

describe('sheets written a band at a time', () => {
  it('the PNG of each sheet is the bytes of the whole sheet drawn at once, each thumbnail asked for once', async () => {
    const thumbs = thumbnails();
    const sheets = layout(300);
    expect(sheets.length).toBeGreaterThan(2);
    for (const sheet of sheets) {
      const { source: src, asked } = source(thumbs);
      const bytes = concatBytes(await sheetPng(sheet, src, 'rdbu'));
      const whole = drawSheet(sheet, thumbs, 'rdbu');
      expect(Buffer.from(bytes).equals(Buffer.from(encodePng(whole)))).toBe(true);
      // And the pixels, through an independent decoder: a partly transparent thumbnail pixel is blended over white.
      expect(Buffer.from(decodePng(bytes).data).equals(Buffer.from(whole.data))).toBe(true);
      expect(asked).toEqual(sheet.cells.map((c) => c.neuron));
    }
  });

  it('the SVG, written a thumbnail at a time, is renderSheetSvg and embeds each thumbnail as its PNG', async () => {
    const thumbs = thumbnails();
    for (const sheet of layout(300)) {
      const chunks: Uint8Array[] = [];
      let closed = false;
      const writer: FileWriter = { write: async (b) => void chunks.push(b.slice()), close: async () => void (closed = true) };
      await writeSheetSvg(writer, sheet, source(thumbs).source, 'rdbu');
      expect(closed).toBe(true);
      const svg = Buffer.concat(chunks).toString('utf8');
      expect(svg).toBe(renderSheetSvg(sheet, thumbs, 'rdbu'));
      const images = Array.from(new DOMParser().parseFromString(svg, 'image/svg+xml').getElementsByTagName('image'));
      // One per cell, then the colour bar.
      expect(images).toHaveLength(sheet.cells.length + 1);
      sheet.cells.forEach((cell, i) => {
        const href = images[i].getAttribute('href')!;
        const png = decodePng(new Uint8Array(Buffer.from(href.replace('data:image/png;base64,', ''), 'base64')));
        expect(Buffer.from(png.data).equals(Buffer.from(thumbs[cell.neuron].data))).toBe(true);
        expect([images[i].getAttribute('x'), images[i].getAttribute('y')]).toEqual([String(cell.x), String(cell.y)]);
      });
    }
  });

  it('reads back the PNGs it wrote, and names the file of anything else', () => {
    const [t] = thumbnails();
    const back = decodeOwnPng(encodePng(t), 'n.png');
    expect([back.width, back.height]).toEqual([9, 7]);
    expect(Buffer.from(back.data).equals(Buffer.from(t.data))).toBe(true);
    expect(() => decodeOwnPng(new Uint8Array(100), 'dir/neuron_3.png')).toThrow(/^dir\/neuron_3\.png: not a PNG Neurovis wrote \(no PNG signature\)$/);
    const other = encodePng(t);
    other[25] = 2; // colour type RGB
    expect(() => decodeOwnPng(other, 'x.png')).toThrow(/x\.png: .*not 8-bit RGBA/);
  });
});

/**
 * A layer's sheets written into a FileSink with only a band of pixels and a row of thumbnails
 * held at a time (issue 18), shared by the app's streamed export and the CLI: the PNG is drawn
 * a row of cells at a time into its encoder's rows, the SVG is written thumbnail by thumbnail
 * into its ECharts skeleton. The bytes are those of drawSheet + encodePng and renderSheetSvg.
 */
import type { ColormapName } from '../imaging/colormap';
import { PngRows } from '../imaging/png';
import type { RGBAImage } from '../imaging/thumbnail';
import type { ImageFormats } from './layer-images';
import { sheetName } from './layer-images';
import { drawSheetBand, sheetBands, type SheetLayout } from './sprite';
import { base64Bytes, sheetSvgTemplate } from './svg';

export interface FileWriter {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Where the files go (a folder on disk, through the host). */
export interface FileSink {
  create(name: string): Promise<FileWriter>;
}

/** A layer's thumbnails, asked for one at a time by neuron (row) index: held, or read back from their files. */
export interface ThumbnailSource {
  image(neuron: number): Promise<RGBAImage> | RGBAImage;
  /** The thumbnail's PNG (encodePng's bytes): what the SVG embeds. */
  png(neuron: number): Promise<Uint8Array> | Uint8Array;
}

const encoder = new TextEncoder();
/** Bytes gathered before a write: few writes through a host, little held. */
const WRITE_BYTES = 1 << 22;

export async function writeFile(sink: FileSink, name: string, bytes: Uint8Array): Promise<void> {
  const w = await sink.create(name);
  await w.write(bytes);
  await w.close();
}

/** Writes sheet `s` of `sheets` as `<base>.png` / `<base>.svg` (`<base>.sheetK.*` when there are several). */
export async function writeSheet(sink: FileSink, base: string, sheets: readonly SheetLayout[], s: number, thumbs: ThumbnailSource, legend: ColormapName, formats: ImageFormats): Promise<void> {
  const name = (ext: string): string => sheetName(base, s, sheets.length, ext);
  if (formats.png) {
    const w = await sink.create(name('.png'));
    for (const part of await sheetPng(sheets[s], thumbs, legend)) await w.write(part);
    await w.close();
  }
  if (formats.svg) await writeSheetSvg(await sink.create(name('.svg')), sheets[s], thumbs, legend);
}

/** The sheet's PNG in parts to be written in order (PngRows.encodeParts), drawn a band (a row of cells) at a time. */
export async function sheetPng(sheet: SheetLayout, thumbs: ThumbnailSource, legend: ColormapName): Promise<Uint8Array[]> {
  const rows = new PngRows(sheet.width, sheet.height);
  const stride = sheet.width * 4;
  for (const band of sheetBands(sheet)) {
    const images: RGBAImage[] = [];
    for (const cell of band.cells) images[cell.neuron] = await thumbs.image(cell.neuron);
    const pixels = drawSheetBand(sheet, band.y0, band.y1, images, legend).data;
    for (let y = band.y0; y < band.y1; y++) rows.bytes.set(pixels.subarray((y - band.y0) * stride, (y - band.y0 + 1) * stride), rows.rowStart(y));
  }
  return rows.encodeParts();
}

/** Writes the sheet's SVG into `writer` (and closes it), a thumbnail's base64 PNG at a time. */
export async function writeSheetSvg(writer: FileWriter, sheet: SheetLayout, thumbs: ThumbnailSource, legend: ColormapName): Promise<void> {
  const { text, neurons } = sheetSvgTemplate(sheet, legend);
  let pending: Uint8Array[] = [];
  let size = 0;
  const put = async (bytes: Uint8Array): Promise<void> => {
    pending.push(bytes);
    size += bytes.byteLength;
    if (size < WRITE_BYTES) return;
    await flush();
  };
  const flush = async (): Promise<void> => {
    if (size === 0) return;
    const out = new Uint8Array(size);
    let o = 0;
    for (const p of pending) {
      out.set(p, o);
      o += p.byteLength;
    }
    pending = [];
    size = 0;
    await writer.write(out);
  };
  for (let i = 0; i < text.length; i++) {
    await put(encoder.encode(text[i]));
    if (i < neurons.length) await put(base64Bytes(await thumbs.png(neurons[i])));
  }
  await flush();
  await writer.close();
}

/** Reads a reference input x0 (an image or a .npy) into the model's input shape. */
import { decodeNpy, isNpy } from '../../../workers/formats/numpy/npy';
import type { ModelSummary } from '../../../workers/pool/api';
import type { ReferenceInput } from '../domain/settings-types';
import type { ModelFile } from '../host/host';
import { modelInputLayout } from '../../../workers/imaging/input-layout';
import { channelIndex, layoutSize } from '../../../workers/imaging/thumbnail';

function hashValues(values: Float32Array): string {
  let h = 0x811c9dc5;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16);
}

function fromNpy(file: ModelFile, size: number, shapeText: string): Float32Array {
  const tensor = decodeNpy(file.bytes, file.name);
  if (tensor.data.length !== size) {
    throw new Error(`${file.name}: holds ${tensor.data.length} values (shape [${tensor.shape.join(', ')}]); the model's input ${shapeText} has ${size}`);
  }
  return Float32Array.from(tensor.data);
}

async function fromImage(file: ModelFile, summary: ModelSummary): Promise<Float32Array> {
  const layout = modelInputLayout(summary);
  if (layout.kind !== 'image') throw new Error(`${file.name}: the model's input [${summary.inputShape.join(', ')}] is not an image; give a .npy`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([file.bytes as BlobPart]));
  } catch {
    throw new Error(`${file.name}: not an image this browser can decode, nor a .npy`);
  }
  const canvas = new OffscreenCanvas(layout.width, layout.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, layout.width, layout.height);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, layout.width, layout.height).data;
  const values = new Float32Array(layoutSize(layout));
  for (let p = 0; p < layout.width * layout.height; p++) {
    const [r, g, b] = [rgba[p * 4] / 255, rgba[p * 4 + 1] / 255, rgba[p * 4 + 2] / 255];
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    for (let c = 0; c < layout.channels; c++) values[channelIndex(layout, c, p)] = layout.channels === 3 ? [r, g, b][c] : grey;
  }
  return values;
}

/** x0 from a dropped or chosen file: a .npy of the input's size, or an image resized to it (values in [0, 1]). */
export async function readReference(file: ModelFile, summary: ModelSummary): Promise<ReferenceInput> {
  const size = summary.inputShape.reduce((a, b) => a * b, 1);
  const values = isNpy(file.bytes) ? fromNpy(file, size, `[${summary.inputShape.join(', ')}]`) : await fromImage(file, summary);
  return { id: `${file.name}#${hashValues(values)}`, name: file.name, values };
}

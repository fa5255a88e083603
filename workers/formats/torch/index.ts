import type { InputFile, RefusedFormat } from '../types';
import { isZip, ZipArchive } from '../zip/zip';

/** Entries only PyTorch's zip format writes (torch.save, torch.jit.save, the lite interpreter's .ptl). */
const TORCH_ENTRY = /(^|\/)(data\.pkl|constants\.pkl|bytecode\.pkl)$/;

/** torch.save's legacy format starts with its magic number pickled as a long (torch/serialization.py). */
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** How far into a pickle to look for PyTorch's storage markers. */
const PICKLE_SCAN_BYTES = 64 * 1024;

function isTorchZip(bytes: Uint8Array): boolean {
  if (!isZip(bytes)) return false;
  try {
    return new ZipArchive(bytes).entries.some((e) => TORCH_ENTRY.test(e.name));
  } catch {
    return false;
  }
}

function contains(haystack: Uint8Array, needle: readonly number[], from = 0): boolean {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** A pickle (protocol 2–5) that is PyTorch's: the legacy magic number, or torch storage classes. */
function isTorchPickle(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes[0] !== 0x80 || bytes[1] < 2 || bytes[1] > 5) return false;
  if (LEGACY_MAGIC.every((b, i) => bytes[2 + i] === b)) return true;
  const head = bytes.subarray(0, PICKLE_SCAN_BYTES);
  return contains(head, ascii('torch')) && (contains(head, ascii('Storage')) || contains(head, ascii('torch._utils')));
}

/** TorchScript and PyTorch pickles: recognised, and refused with the way to an ONNX file. */
export const torchRefusal: RefusedFormat = {
  id: 'pytorch',
  name: 'TorchScript/PyTorch',
  sniff: (file: InputFile) => isTorchZip(file.bytes) || isTorchPickle(file.bytes),
  message: (file: InputFile) =>
    `${file.name}: a TorchScript/PyTorch file; Neurovis reads ONNX: export it with torch.onnx.export(model, example_input, "model.onnx")`,
};

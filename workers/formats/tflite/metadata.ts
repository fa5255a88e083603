import { lineLabels } from '../label-text';
import { ZipArchive } from '../zip/index';

const MAX_LABEL_BYTES = 16 * 1024 * 1024;

function hasEndOfDirectory(bytes: Uint8Array): boolean {
  const min = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= min; at--) {
    if (bytes[at] === 0x50 && bytes[at + 1] === 0x4b && bytes[at + 2] === 5 && bytes[at + 3] === 6) return true;
  }
  return false;
}

/**
 * The class names a model with TFLite Metadata carries: its associated files are a zip
 * appended to the FlatBuffer (offsets from the file's start), the labels a text file in it
 * (labels.txt, labelmap.txt …). Undefined when there is none or the zip is damaged: the
 * model itself is still read.
 */
export function embeddedLabels(bytes: Uint8Array): { names: string[]; file: string } | undefined {
  if (!hasEndOfDirectory(bytes)) return undefined;
  try {
    const zip = new ZipArchive(bytes);
    const texts = zip.entries.filter((e) => e.name.toLowerCase().endsWith('.txt') && e.size <= MAX_LABEL_BYTES);
    const entry = texts.find((e) => /label/i.test(e.name)) ?? texts[0];
    if (!entry) return undefined;
    const names = lineLabels(new TextDecoder('utf-8').decode(zip.read(entry)));
    return names ? { names, file: entry.name } : undefined;
  } catch {
    return undefined;
  }
}

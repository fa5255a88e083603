// The model formats Neurovis reads. Adding one: a folder under workers/formats/ whose
// index exports a FormatDef (types.ts: detection, extensions, the companion files it names,
// OS associations, reader), and one entry below (with its import).
// The order is the detection order: the first format whose sniff() claims a file's
// content reads it; when none does, the first whose extension matches the name.
import type { FormatDef, LabelFile, RefusedFormat } from './types';
import { lineLabels, metadataLabels } from './label-text';
import { onnxFormat } from './onnx/index';
import { kerasH5Format, keras3Format, tfjsLayersFormat } from './keras/index';
import { npyFormat, npzFormat } from './numpy/index';
import { neurovisFormat } from './neurovis/index';
import { tfliteFormat } from './tflite/index';
import { torchRefusal } from './torch/index';
import { tfjsGraphFormat } from './tfjs-graph/index';

export const FORMATS: readonly FormatDef[] = [
  onnxFormat,
  kerasH5Format,
  keras3Format,
  tfjsLayersFormat,
  tfjsGraphFormat,
  npyFormat,
  npzFormat,
  neurovisFormat,
  tfliteFormat,
];

/** Formats recognised by content and refused with what to do instead, checked when no format above claims a file. */
export const REFUSED_FORMATS: readonly RefusedFormat[] = [torchRefusal];

/**
 * Files beside a model of any format that may name its classes, best first: read when they
 * are there (formats/companions.ts looks for them, formats/labels.ts reads them), unless the
 * reader found names in the model itself.
 */
export const LABEL_FILES: readonly LabelFile[] = [
  { name: () => 'metadata.json', parse: metadataLabels }, // Teachable Machine
  { name: (stem) => `${stem}.labels`, parse: lineLabels },
  { name: () => 'labels.txt', parse: lineLabels },
];

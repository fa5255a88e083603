import type { FormatReader } from '../types';

export const onnxReader: FormatReader | undefined = undefined;

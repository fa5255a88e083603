import type { FormatReader } from '../types';

export const neurovisReader: FormatReader | undefined = undefined;

import type { FormatReader } from '../types';

export const numpyReaders: FormatReader[] = [];

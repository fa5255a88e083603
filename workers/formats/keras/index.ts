import type { FormatReader } from '../types';

export const kerasReaders: FormatReader[] = [];

import type { FormatReader } from '../types';
import { kerasH5Reader } from './h5-reader';
import { keras3Reader } from './keras3-reader';
import { tfjsReader } from './tfjs-reader';

/** Keras .h5 (Keras 2 and 3 legacy), Keras 3 .keras archives and TF.js layers models. */
export const kerasReaders: FormatReader[] = [kerasH5Reader, keras3Reader, tfjsReader];

export { readKerasH5 } from './h5-reader';
export { readKeras3 } from './keras3-reader';
export { readTfjs } from './tfjs-reader';

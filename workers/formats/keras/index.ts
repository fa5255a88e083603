export { kerasH5Format, readKerasH5 } from './h5-reader';
export { keras3Format, readKeras3 } from './keras3-reader';
export { tfjsLayersFormat, readTfjs } from './tfjs-reader';

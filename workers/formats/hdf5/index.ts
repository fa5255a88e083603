/** A minimal pure-TypeScript HDF5 reader: what Keras, h5py and TF write for model files. */
export { Hdf5File, Hdf5Group, Hdf5Dataset, MAX_DATASET_VALUES, type AttributeValue } from './file';
export { Hdf5Error } from './bytes';
export { isHdf5 } from './superblock';

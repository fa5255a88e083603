// Names the main process and the packaging config share (electron-builder.yml
// holds the same appId; a test keeps them equal).
export const APP_ID = 'org.neurovis.app';
export const PRODUCT_NAME = 'Neurovis';
export const DOCUMENTATION_URL = 'https://github.com/neurovis/neurovis#readme';

/** Extensions the open dialog offers; the same ones are registered as file associations. */
export const MODEL_EXTENSIONS = ['onnx', 'h5', 'hdf5', 'keras', 'json', 'npz', 'npy'] as const;

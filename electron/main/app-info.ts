import { formatNames, openDialogExtensions } from '../../workers/formats/index';

// Names the main process and the packaging config share (electron-builder.yml
// holds the same appId; a test keeps them equal).
export const APP_ID = 'org.neurovis.app';
export const PRODUCT_NAME = 'Neurovis';
export const DOCUMENTATION_URL = 'https://github.com/neurovis/neurovis#readme';

/** Extensions the open dialog offers, from the format registry (which also holds the file associations). */
export const MODEL_EXTENSIONS: readonly string[] = openDialogExtensions();
/** The open dialog's name for them. */
export const MODEL_FILTER_NAME = `Models (${formatNames()})`;

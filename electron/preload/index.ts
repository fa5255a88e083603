// The preload of the (sandboxed, context-isolated) window. It exposes the narrow
// API of ./api.ts as `window.neurovis`; ipcRenderer itself stays here.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createNeurovisApi } from './create-api';

const api = createNeurovisApi({
  invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
  on: (channel, listener) => {
    ipcRenderer.on(channel, listener);
  },
  removeListener: (channel, listener) => {
    ipcRenderer.removeListener(channel, listener);
  },
  send: (channel) => ipcRenderer.send(channel),
  getPathForFile: (file) => webUtils.getPathForFile(file),
  platform: process.platform,
});

contextBridge.exposeInMainWorld('neurovis', api);

import type { HostFile, NeurovisHostApi, OpenedFiles, OpenedFilesEvent } from '../../../electron/preload/api';
import type { ExportFolder, Host, HostAppearance, OpenedModel } from './host';

function toOpened(opened: OpenedFiles & Pick<Partial<OpenedFilesEvent>, 'target'>): OpenedModel {
  return {
    ...(opened.target && { target: { layer: opened.target.layer, neuron: opened.target.neuron } }),
    files: opened.files.map((f: HostFile) => ({ name: f.name, bytes: f.bytes, path: f.path })),
    errors: opened.errors.map((e) => ({ name: e.path || e.name, message: e.message })),
  };
}

/** The host inside Electron: everything goes through the preload's narrow API. */
export function electronHost(api: NeurovisHostApi): Host {
  const appearance = async (): Promise<HostAppearance> => {
    const a = await api.getAppearance();
    return { theme: a.theme, languages: a.preferredLanguages.length > 0 ? a.preferredLanguages : [a.locale] };
  };
  return {
    kind: 'electron',
    openModel: async () => {
      const opened = await api.openModel();
      return opened.files.length === 0 && opened.errors.length === 0 ? null : toOpened(opened);
    },
    readDrop: async (data) => toOpened(await api.readDroppedFiles([...data.files])),
    // The main process adds files to its recent list when it opens them.
    rememberModel: async () => {},
    recentModels: async () => (await api.recentFiles.list()).map((r) => ({ key: r.path, name: r.name, openedAt: r.openedAt })),
    openRecent: async (key) => toOpened(await api.recentFiles.open(key)),
    clearRecent: () => api.recentFiles.clear(),
    save: (request) => api.saveExport(request),
    openExportFolder: async (folderName): Promise<ExportFolder | null> => {
      const token = await api.exportFolder.begin(folderName);
      if (token === null) return null;
      return {
        // Each chunk goes to the main process at once: nothing is gathered here.
        create: async (name) => {
          let begun = false;
          const send = async (bytes: Uint8Array): Promise<void> => {
            await api.exportFolder.write(token, name, bytes, begun);
            begun = true;
          };
          return { write: send, close: async () => (begun ? undefined : send(new Uint8Array(0))) };
        },
        finish: () => api.exportFolder.finish(token),
        abort: () => api.exportFolder.abort(token),
      };
    },
    appearance,
    setTheme: async (source) => {
      await api.setTheme(source);
    },
    onAppearanceChanged: (listener) =>
      api.onAppearanceChanged((a) => listener({ theme: a.theme, languages: a.preferredLanguages.length > 0 ? a.preferredLanguages : [a.locale] })),
    onFilesOpened: (listener) => api.onFilesOpened((event) => listener(toOpened(event))),
    onMenuCommand: (listener) => api.onMenuCommand(listener),
    onRecentChanged: (listener) => api.onRecentFilesChanged(() => listener()),
    onRendererRecovered: (listener) => api.onRendererRecovered(listener),
  };
}

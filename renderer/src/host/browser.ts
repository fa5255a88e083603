import { zipSync } from 'fflate';
import { acceptString } from '../../../workers/formats/index';
import { readDomFiles, type Host, type HostAppearance, type OpenedModel } from './host';
import { clearRecent, listRecent, readRecent, rememberRecent } from './recent-db';
import { canWriteFolders, openBrowserExportFolder } from './browser-folder';

/** Lets the user pick files with a hidden file input; null when they cancel. */
export function pickFiles(accept: string, multiple: boolean): Promise<File[] | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.multiple = multiple;
    input.style.display = 'none';
    const finish = (files: File[] | null): void => {
      input.remove();
      resolve(files);
    };
    input.addEventListener('change', () => finish(input.files && input.files.length > 0 ? [...input.files] : null));
    input.addEventListener('cancel', () => finish(null));
    document.body.append(input);
    input.click();
  });
}

/** Extensions the open dialog offers, from the format registry (any file can still be dropped). */
const MODEL_ACCEPT = acceptString();

function download(name: string, bytes: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const darkQuery = (): MediaQueryList | undefined => (typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined);

function currentAppearance(): HostAppearance {
  return { theme: darkQuery()?.matches ? 'dark' : 'light', languages: navigator.languages?.length ? [...navigator.languages] : [navigator.language] };
}

/** The host in a plain browser (`npm run web`): file input, drag-and-drop File objects, downloads. */
export function browserHost(): Host {
  const recentListeners = new Set<() => void>();
  return {
    kind: 'browser',
    openModel: async () => {
      const files = await pickFiles(MODEL_ACCEPT, true);
      return files ? readDomFiles(files) : null;
    },
    readDrop: (data) => readDomFiles([...data.files]),
    rememberModel: async (opened: OpenedModel) => {
      try {
        await rememberRecent(opened.files);
        recentListeners.forEach((l) => l());
      } catch {
        // A full or unavailable IndexedDB only costs the recent list.
      }
    },
    recentModels: async () => {
      try {
        return await listRecent();
      } catch {
        return [];
      }
    },
    openRecent: async (key) => {
      const files = await readRecent(key);
      if (!files) return { files: [], errors: [{ name: key, message: 'no longer stored in this browser' }] };
      return { files, errors: [] };
    },
    clearRecent: async () => {
      await clearRecent();
      recentListeners.forEach((l) => l());
    },
    save: async (request) => {
      if (request.kind === 'file') {
        download(request.suggestedName, request.bytes, 'application/octet-stream');
        return { saved: true, paths: [request.suggestedName] };
      }
      const name = `${request.folderName ?? 'neurovis-export'}.zip`;
      const entries: Record<string, Uint8Array> = {};
      for (const f of request.files) entries[request.folderName ? `${request.folderName}/${f.name}` : f.name] = f.bytes;
      download(name, zipSync(entries, { level: 6 }), 'application/zip');
      return { saved: true, paths: [name] };
    },
    ...(canWriteFolders() ? { openExportFolder: openBrowserExportFolder } : {}),
    appearance: async () => currentAppearance(),
    setTheme: async () => {},
    onAppearanceChanged: (listener) => {
      const query = darkQuery();
      const onChange = (): void => listener(currentAppearance());
      query?.addEventListener('change', onChange);
      window.addEventListener('languagechange', onChange);
      return () => {
        query?.removeEventListener('change', onChange);
        window.removeEventListener('languagechange', onChange);
      };
    },
    onFilesOpened: () => () => {},
    onMenuCommand: () => () => {},
    onRecentChanged: (listener) => {
      recentListeners.add(listener);
      return () => recentListeners.delete(listener);
    },
  };
}

/**
 * An export written into a folder the user picks, through the File System Access API (Chromium):
 * each file goes through a writable stream, which the browser makes visible only when closed,
 * so a cancelled export leaves no half-written file; what it did write is removed again.
 */
import type { ExportFolder } from './host';

type DirectoryPicker = (options?: { id?: string; mode?: 'read' | 'readwrite' }) => Promise<FileSystemDirectoryHandle>;

/** The browser's folder picker, where it has one. */
function directoryPicker(): DirectoryPicker | undefined {
  const picker = (globalThis as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
  return typeof picker === 'function' ? picker.bind(globalThis) : undefined;
}

export function canWriteFolders(): boolean {
  return directoryPicker() !== undefined;
}

async function has(parent: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  return parent.getDirectoryHandle(name).then(
    () => true,
    () => false,
  );
}

/** Asks for a folder (null when the user cancels) and writes into `folderName` inside it. */
export async function openBrowserExportFolder(folderName: string): Promise<ExportFolder | null> {
  const pick = directoryPicker();
  if (!pick) return null;
  let parent: FileSystemDirectoryHandle;
  try {
    parent = await pick({ id: 'neurovis-export', mode: 'readwrite' });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return null;
    throw e;
  }
  const existed = await has(parent, folderName);
  const folder = await parent.getDirectoryHandle(folderName, { create: true });
  const written: string[] = [];
  const open = new Set<FileSystemWritableFileStream>();
  return {
    create: async (name) => {
      const stream = await (await folder.getFileHandle(name, { create: true })).createWritable();
      open.add(stream);
      written.push(name);
      return {
        write: (bytes) => stream.write(bytes as Uint8Array<ArrayBuffer>),
        close: async () => {
          open.delete(stream);
          await stream.close();
        },
      };
    },
    finish: async () => ({ saved: true, paths: written.map((name) => `${folderName}/${name}`) }),
    abort: async () => {
      await Promise.allSettled([...open].map((s) => s.abort()));
      if (!existed) await parent.removeEntry(folderName, { recursive: true }).catch(() => {});
      else await Promise.allSettled(written.map((name) => folder.removeEntry(name)));
    },
  };
}

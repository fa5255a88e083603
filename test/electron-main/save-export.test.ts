import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExportRequestError, fileNameProblem, replaceExportFolder, saveExport, validateExportRequest } from '../../electron/main/save-export';
import type { ExportDialogs, ExportFolders } from '../../electron/main/save-export';

const bytes = (...values: number[]) => new Uint8Array(values);

function fakes(choice: { file?: string; folder?: string }, last?: string) {
  const calls: { kind: string; defaultPath: string; filters?: unknown }[] = [];
  const remembered: string[] = [];
  const dialogs: ExportDialogs = {
    showSaveDialog: async (o) => {
      calls.push({ kind: 'save', ...o });
      return choice.file ? { canceled: false, filePath: choice.file } : { canceled: true };
    },
    showOpenFolderDialog: async (o) => {
      calls.push({ kind: 'folder', ...o });
      return choice.folder ? { canceled: false, filePaths: [choice.folder] } : { canceled: true, filePaths: [] };
    },
  };
  const folders: ExportFolders = {
    lastFolder: async () => last,
    remember: async (f) => {
      remembered.push(f);
    },
    fallbackFolder: '/home/ada/Documents',
  };
  return { calls, remembered, dialogs, folders };
}

describe('saveExport', () => {
  it('writes one file where the save dialog says, starting in the last folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'neurovis-export-'));
    const target = path.join(dir, 'layer1.png');
    const { calls, remembered, dialogs, folders } = fakes({ file: target }, dir);
    const result = await saveExport({ kind: 'file', suggestedName: 'conv1.png', bytes: bytes(137, 80, 78, 71), filters: [{ name: 'PNG', extensions: ['png'] }] }, dialogs, folders);
    expect(result).toEqual({ saved: true, paths: [target] });
    expect(calls).toEqual([{ kind: 'save', defaultPath: path.join(dir, 'conv1.png'), filters: [{ name: 'PNG', extensions: ['png'] }] }]);
    expect([...(await readFile(target))]).toEqual([137, 80, 78, 71]);
    expect(remembered).toEqual([dir]);
    expect(await readdir(dir)).toEqual(['layer1.png']); // no temporary file left
  });

  it('replaces an existing file whole', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'neurovis-export-'));
    const target = path.join(dir, 'x.npy');
    await writeFile(target, 'old content that is longer');
    const { dialogs, folders } = fakes({ file: target });
    await saveExport({ kind: 'file', suggestedName: 'x.npy', bytes: bytes(1, 2) }, dialogs, folders);
    expect([...(await readFile(target))]).toEqual([1, 2]);
  });

  it('writes several files into a new folder inside the chosen one', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'neurovis-export-'));
    const { calls, remembered, dialogs, folders } = fakes({ folder: parent });
    const result = await saveExport(
      { kind: 'folder', folderName: 'mnist-gallery', files: [{ name: 'manifest.json', bytes: bytes(123, 125) }, { name: 'dense_1.npy', bytes: bytes(147, 78) }] },
      dialogs,
      folders,
    );
    const folder = path.join(parent, 'mnist-gallery');
    expect(result).toEqual({ saved: true, paths: [path.join(folder, 'manifest.json'), path.join(folder, 'dense_1.npy')] });
    expect((await readdir(folder)).sort()).toEqual(['dense_1.npy', 'manifest.json']);
    expect(await readFile(path.join(folder, 'manifest.json'), 'utf8')).toBe('{}');
    expect(calls[0]).toEqual({ kind: 'folder', defaultPath: '/home/ada/Documents' });
    expect(remembered).toEqual([parent]);
  });

  it('replaces an earlier export whole, and leaves it untouched when the new one fails', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'neurovis-export-'));
    const folder = path.join(parent, 'mnist-export');
    await replaceExportFolder(folder, [{ name: 'manifest.json', bytes: bytes(49) }, { name: 'old_layer.npy', bytes: bytes(50) }]);
    await replaceExportFolder(folder, [{ name: 'manifest.json', bytes: bytes(51) }]);
    expect(await readdir(folder)).toEqual(['manifest.json']);
    expect(await readFile(path.join(folder, 'manifest.json'), 'utf8')).toBe('3');
    // The second file cannot be written (its folder does not exist): nothing changes, nothing is left behind.
    await expect(replaceExportFolder(folder, [{ name: 'manifest.json', bytes: bytes(52) }, { name: path.join('missing', 'x.npy'), bytes: bytes(53) }])).rejects.toThrow(/ENOENT/);
    expect(await readdir(folder)).toEqual(['manifest.json']);
    expect(await readFile(path.join(folder, 'manifest.json'), 'utf8')).toBe('3');
    expect(await readdir(parent)).toEqual(['mnist-export']);
    // A folder of someone's other files is never replaced.
    await writeFile(path.join(folder, 'notes.txt'), 'mine');
    await expect(replaceExportFolder(folder, [{ name: 'manifest.json', bytes: bytes(52) }])).rejects.toThrow(/holds "notes\.txt", which is not part of an export/);
    expect(await readFile(path.join(folder, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('does nothing when the dialog is cancelled', async () => {
    const { dialogs, folders, remembered } = fakes({});
    expect(await saveExport({ kind: 'file', suggestedName: 'a.png', bytes: bytes(1) }, dialogs, folders)).toEqual({ saved: false });
    expect(await saveExport({ kind: 'folder', files: [{ name: 'a.npy', bytes: bytes(1) }] }, dialogs, folders)).toEqual({ saved: false });
    expect(remembered).toEqual([]);
  });

  it('refuses a bad request before any dialog opens', async () => {
    const { dialogs, folders, calls } = fakes({ folder: '/tmp' });
    await expect(saveExport({ kind: 'folder', files: [{ name: '../../.bashrc', bytes: bytes(1) }] }, dialogs, folders)).rejects.toThrow(ExportRequestError);
    expect(calls).toEqual([]);
  });
});

describe('validateExportRequest', () => {
  it('accepts well-formed requests', () => {
    expect(validateExportRequest({ kind: 'file', suggestedName: 'a.svg', bytes: bytes(1) })).toEqual({ kind: 'file', suggestedName: 'a.svg', bytes: bytes(1) });
  });

  it.each([
    [null, 'export: no request'],
    [{ kind: 'zip' }, 'export: unknown kind'],
    [{ kind: 'file', suggestedName: 'a.png', bytes: [1, 2] }, 'a.png: the data is not bytes'],
    [{ kind: 'file', suggestedName: 'a/b.png', bytes: bytes(1) }, 'export: "a/b.png": a file name cannot hold / \\ : * ? " < > | or control characters'],
    [{ kind: 'folder', files: [] }, 'export: no files to write'],
    [{ kind: 'folder', files: [{ name: 'a.npy', bytes: bytes(1) }, { name: 'A.npy', bytes: bytes(2) }] }, 'export: "A.npy" appears twice'],
    [{ kind: 'folder', folderName: '..', files: [{ name: 'a.npy', bytes: bytes(1) }] }, 'export folder: "..": not a file name'],
    [{ kind: 'file', suggestedName: 'a.png', bytes: bytes(1), filters: [{ name: 'PNG', extensions: ['.png'] }] }, 'export filter PNG: extensions must be like "png" (without dots)'],
  ])('refuses %j', (request, message) => {
    expect(() => validateExportRequest(request)).toThrow(message);
  });

  it('knows the names no platform can hold', () => {
    for (const bad of ['', '.', '..', 'a\\b', 'a:b', 'CON', 'nul.txt', 'com1.npy', 'trailing.', 'trailing ', 'tab\there', 'x'.repeat(256)]) {
      expect(fileNameProblem(bad), JSON.stringify(bad)).not.toBeNull();
    }
    for (const good of ['manifest.json', 'conv 1 (relu).png', 'наслой.npy', '层1.svg', 'console.log']) expect(fileNameProblem(good), good).toBeNull();
  });
});

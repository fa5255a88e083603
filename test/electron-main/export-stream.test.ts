// Issue 18: the desktop app's export written as it is made, in chunks through the preload,
// into a temporary folder that replaces the target at the end; aborted, it leaves nothing.
import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExportStreams } from '../../electron/main/export-stream';
import { ExportRequestError, type ExportDialogs, type ExportFolders } from '../../electron/main/save-export';

async function setup(choose: boolean) {
  const parent = await mkdtemp(path.join(tmpdir(), 'neurovis-stream-'));
  const remembered: string[] = [];
  const dialogs: ExportDialogs = {
    showSaveDialog: async () => ({ canceled: true }),
    showOpenFolderDialog: async () => (choose ? { canceled: false, filePaths: [parent] } : { canceled: true, filePaths: [] }),
  };
  const folders: ExportFolders = { lastFolder: async () => undefined, remember: async (f) => void remembered.push(f), fallbackFolder: parent };
  return { parent, remembered, streams: new ExportStreams(dialogs, folders) };
}

const bytes = (...v: number[]) => new Uint8Array(v);

describe('ExportStreams', () => {
  it('writes files in chunks into a staging folder, and puts the export in place only when finished', async () => {
    const { parent, remembered, streams } = await setup(true);
    await mkdir(path.join(parent, 'm-export'));
    await writeFile(path.join(parent, 'm-export', 'old.npy'), bytes(9));
    const token = (await streams.begin('m-export'))!;
    expect(token).toBeTypeOf('number');
    await streams.write(token, 'a.npy', bytes(1, 2), false);
    await streams.write(token, 'a.npy', bytes(3), true);
    await streams.write(token, 'a.npy', bytes(4, 5), true);
    await streams.write(token, 'manifest.json', bytes(123), false);
    // Nothing of it in the target yet: the previous export is still there.
    expect(await readdir(path.join(parent, 'm-export'))).toEqual(['old.npy']);
    const result = await streams.finish(token);
    expect(result.saved && result.paths.map((p) => path.basename(p)).sort()).toEqual(['a.npy', 'manifest.json']);
    expect([...(await readFile(path.join(parent, 'm-export', 'a.npy')))]).toEqual([1, 2, 3, 4, 5]);
    expect((await readdir(parent)).sort()).toEqual(['m-export']);
    expect(remembered).toEqual([parent]);
    await expect(streams.write(token, 'b.npy', bytes(1), false)).rejects.toThrow('no such export under way');
  });

  it('aborted, it leaves the chosen folder as it was', async () => {
    const { parent, streams } = await setup(true);
    const token = (await streams.begin('m-export'))!;
    await streams.write(token, 'a.npy', bytes(1), false);
    await streams.abort(token);
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses what the renderer should never send: bad names, a file twice, more of a file not begun, an unknown token, a folder of other files', async () => {
    const { parent, streams } = await setup(true);
    await expect(streams.begin('../x')).rejects.toThrow(ExportRequestError);
    const token = (await streams.begin('m-export'))!;
    await expect(streams.write(token, '../../.bashrc', bytes(1), false)).rejects.toThrow(ExportRequestError);
    await expect(streams.write(token, 'a.npy', 'text', false)).rejects.toThrow('the data is not bytes');
    await expect(streams.write(token, 'b.npy', bytes(1), true)).rejects.toThrow('"b.npy" was not begun');
    await streams.write(token, 'a.npy', bytes(1), false);
    await expect(streams.write(token, 'A.npy', bytes(1), false)).rejects.toThrow('appears twice');
    await expect(streams.write(99, 'c.npy', bytes(1), false)).rejects.toThrow('no such export under way');
    await streams.abort(token);
    await mkdir(path.join(parent, 'home'));
    await writeFile(path.join(parent, 'home', 'thesis.docx'), bytes(1));
    await expect(streams.begin('home')).rejects.toThrow('holds "thesis.docx", which is not part of an export');
  });

  it('a cancelled folder dialog begins nothing', async () => {
    const { parent, streams } = await setup(false);
    expect(await streams.begin('m-export')).toBeNull();
    expect(await readdir(parent)).toEqual([]);
  });
});

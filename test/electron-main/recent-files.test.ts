import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecentFilesStore, parseRecentFiles } from '../../electron/main/recent-files';

async function setup(existing: string[] = []) {
  const dir = await mkdtemp(path.join(tmpdir(), 'neurovis-recent-'));
  const files = new Set(existing);
  let tick = 0;
  const options = {
    now: () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++)),
    isFile: async (p: string) => files.has(p),
    platform: 'linux' as const,
  };
  return { dir, files, store: new RecentFilesStore(path.join(dir, 'recent-files.json'), options), storePath: path.join(dir, 'recent-files.json'), options };
}

describe('RecentFilesStore', () => {
  it('keeps the most recent first, without duplicates, and persists', async () => {
    const { store, storePath, options } = await setup(['/m/a.onnx', '/m/b.h5']);
    await store.add('/m/a.onnx');
    await store.add('/m/b.h5');
    const list = await store.add('/m/a.onnx');
    expect(list.map((f) => f.path)).toEqual(['/m/a.onnx', '/m/b.h5']);
    expect(list[0]).toEqual({ path: '/m/a.onnx', name: 'a.onnx', openedAt: '2025-01-01T00:00:02.000Z' });
    const reopened = new RecentFilesStore(storePath, options);
    expect((await reopened.list()).map((f) => f.path)).toEqual(['/m/a.onnx', '/m/b.h5']);
  });

  it('drops files that no longer exist, from the list and the store', async () => {
    const { store, files, storePath } = await setup(['/m/a.onnx', '/m/b.h5']);
    await store.add('/m/a.onnx');
    await store.add('/m/b.h5');
    files.delete('/m/a.onnx');
    expect((await store.list()).map((f) => f.path)).toEqual(['/m/b.h5']);
    const stored = JSON.parse(await readFile(storePath, 'utf8')) as { files: { path: string }[] };
    expect(stored.files.map((f) => f.path)).toEqual(['/m/b.h5']);
  });

  it('holds at most ten entries', async () => {
    const paths = Array.from({ length: 12 }, (_, i) => `/m/${i}.npy`);
    const { store } = await setup(paths);
    for (const p of paths) await store.add(p);
    const list = await store.list();
    expect(list).toHaveLength(10);
    expect(list[0]?.path).toBe('/m/11.npy');
    expect(list[9]?.path).toBe('/m/2.npy');
  });

  it('clears, answers `has`, and removes one entry', async () => {
    const { store } = await setup(['/m/a.onnx', '/m/b.h5']);
    await store.add('/m/a.onnx');
    await store.add('/m/b.h5');
    expect(await store.has('/m/a.onnx')).toBe(true);
    expect(await store.has('/etc/passwd')).toBe(false);
    expect((await store.remove('/m/a.onnx')).map((f) => f.path)).toEqual(['/m/b.h5']);
    await store.clear();
    expect(await store.list()).toEqual([]);
  });

  it('treats paths case-insensitively on Windows and macOS', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'neurovis-recent-'));
    const store = new RecentFilesStore(path.join(dir, 'r.json'), { platform: 'win32', isFile: async () => true });
    await store.add('C:\\Models\\Net.onnx');
    const list = await store.add('c:\\models\\net.onnx');
    expect(list.map((f) => f.path)).toEqual(['c:\\models\\net.onnx']);
  });

  it('reads a corrupt or hostile store as empty or filtered, never throws', async () => {
    const { store, storePath } = await setup(['/ok.onnx']);
    await writeFile(storePath, '{ not json');
    expect(await store.list()).toEqual([]);
    expect(parseRecentFiles({ files: [{ path: 'relative.onnx' }, { path: 42 }, null, { path: '/ok.onnx', openedAt: 'yesterday' }, { path: '/x\0y' }] })).toEqual([
      { path: '/ok.onnx', name: 'ok.onnx', openedAt: '1970-01-01T00:00:00.000Z' },
    ]);
    expect(parseRecentFiles('[]')).toEqual([]);
  });

  it('serialises concurrent additions (no lost update)', async () => {
    const paths = ['/m/1.npy', '/m/2.npy', '/m/3.npy'];
    const { store } = await setup(paths);
    await Promise.all(paths.map((p) => store.add(p)));
    expect((await store.list()).map((f) => f.path)).toEqual(['/m/3.npy', '/m/2.npy', '/m/1.npy']);
  });
});

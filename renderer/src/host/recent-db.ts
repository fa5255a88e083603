/** The browser's recent models: small models' bytes kept in IndexedDB so they can be reopened. */
import type { ModelFile, RecentModel } from './host';

const DB_NAME = 'neurovis';
const STORE = 'recent';
const MAX_ENTRIES = 8;
/** Models bigger than this are not kept (they would fill the origin's quota). */
const MAX_RECENT_BYTES = 64 * 1024 * 1024;

interface RecentRecord extends RecentModel {
  readonly files: { name: string; bytes: Uint8Array }[];
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore<T>(mode: IDBTransactionMode, f: (store: IDBObjectStore) => Promise<T>): Promise<T> {
  const db = await openDb();
  try {
    return await f(db.transaction(STORE, mode).objectStore(STORE));
  } finally {
    db.close();
  }
}

export async function listRecent(): Promise<RecentModel[]> {
  if (typeof indexedDB === 'undefined') return [];
  const all = await withStore('readonly', (s) => done(s.getAll() as IDBRequest<RecentRecord[]>));
  return all.map(({ key, name, openedAt }) => ({ key, name, openedAt })).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
}

export async function rememberRecent(files: readonly ModelFile[]): Promise<void> {
  if (typeof indexedDB === 'undefined' || files.length === 0) return;
  const bytes = files.reduce((n, f) => n + f.bytes.length, 0);
  if (bytes > MAX_RECENT_BYTES) return;
  const name = files[0].name;
  // One entry per main file name: reopening a newer file of that name replaces the old one.
  const record: RecentRecord = { key: name, name, openedAt: new Date().toISOString(), files: files.map((f) => ({ name: f.name, bytes: f.bytes })) };
  await withStore('readwrite', async (s) => {
    await done(s.put(record));
    const all = (await done(s.getAll() as IDBRequest<RecentRecord[]>)).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
    for (const old of all.slice(MAX_ENTRIES)) await done(s.delete(old.key));
  });
}

export async function readRecent(key: string): Promise<ModelFile[] | undefined> {
  const record = await withStore('readonly', (s) => done(s.get(key) as IDBRequest<RecentRecord | undefined>));
  return record?.files.map((f) => ({ name: f.name, bytes: f.bytes }));
}

export async function clearRecent(): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  await withStore('readwrite', (s) => done(s.clear()));
}

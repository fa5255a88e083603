// The recent-files list, kept as JSON in the user-data folder. Most recent
// first, no duplicates, at most `max` entries; files that no longer exist are
// dropped whenever the list is read.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RecentFile } from '../preload/api';
import { readJsonFile, writeJsonFile } from './json-store';
import { SerialQueue } from './serial-queue';

export const RECENT_FILES_NAME = 'recent-files.json';
const MAX_RECENT_FILES = 10;

export interface RecentFilesOptions {
  max?: number;
  now?: () => Date;
  /** Whether a recent entry still names a regular file. */
  isFile?: (filePath: string) => Promise<boolean>;
  platform?: NodeJS.Platform;
}

async function isRegularFile(filePath: string): Promise<boolean> {
  try {
    return (await fs.stat(filePath)).isFile();
  } catch {
    return false;
  }
}

/** Entries of a stored list that are well formed; anything else is ignored. */
export function parseRecentFiles(json: unknown): RecentFile[] {
  const entries = (json as { files?: unknown } | null)?.files;
  if (!Array.isArray(entries)) return [];
  const out: RecentFile[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { path: filePath, openedAt } = entry as { path?: unknown; openedAt?: unknown };
    if (typeof filePath !== 'string' || !path.isAbsolute(filePath) || filePath.includes('\0')) continue;
    const date = typeof openedAt === 'string' ? new Date(openedAt) : new Date(NaN);
    out.push({ path: filePath, name: path.basename(filePath), openedAt: Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString() });
  }
  return out;
}

export class RecentFilesStore {
  private readonly max: number;
  private readonly now: () => Date;
  private readonly isFile: (filePath: string) => Promise<boolean>;
  private readonly key: (filePath: string) => string;
  private readonly queue = new SerialQueue();
  private cache: RecentFile[] | null = null;

  constructor(
    private readonly storePath: string,
    options: RecentFilesOptions = {},
  ) {
    this.max = options.max ?? MAX_RECENT_FILES;
    this.now = options.now ?? (() => new Date());
    this.isFile = options.isFile ?? isRegularFile;
    const platform = options.platform ?? process.platform;
    // Windows and (by default) macOS file systems are case-insensitive.
    this.key = platform === 'win32' || platform === 'darwin' ? (p) => p.toLowerCase() : (p) => p;
  }

  /** The list without missing files (which are removed from the store). */
  list(): Promise<RecentFile[]> {
    return this.queue.run(async () => {
      const current = await this.load();
      const present: RecentFile[] = [];
      for (const entry of current) if (await this.isFile(entry.path)) present.push(entry);
      if (present.length !== current.length) await this.save(present);
      return present.map((e) => ({ ...e }));
    });
  }

  /** Puts a file at the top of the list. */
  add(filePath: string): Promise<RecentFile[]> {
    return this.queue.run(async () => {
      const current = await this.load();
      const key = this.key(filePath);
      const entry: RecentFile = { path: filePath, name: path.basename(filePath), openedAt: this.now().toISOString() };
      const next = [entry, ...current.filter((e) => this.key(e.path) !== key)].slice(0, this.max);
      await this.save(next);
      return next.map((e) => ({ ...e }));
    });
  }

  remove(filePath: string): Promise<RecentFile[]> {
    return this.queue.run(async () => {
      const key = this.key(filePath);
      const next = (await this.load()).filter((e) => this.key(e.path) !== key);
      await this.save(next);
      return next.map((e) => ({ ...e }));
    });
  }

  clear(): Promise<void> {
    return this.queue.run(() => this.save([]));
  }

  /** Whether `filePath` is on the list (only listed files can be opened through `recentFiles.open`). */
  has(filePath: string): Promise<boolean> {
    return this.queue.run(async () => {
      const key = this.key(filePath);
      return (await this.load()).some((e) => this.key(e.path) === key);
    });
  }

  private async load(): Promise<RecentFile[]> {
    if (this.cache === null) {
      const seen = new Set<string>();
      this.cache = parseRecentFiles(await readJsonFile(this.storePath))
        .filter((e) => {
          const key = this.key(e.path);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        })
        .slice(0, this.max);
    }
    return this.cache;
  }

  private async save(files: RecentFile[]): Promise<void> {
    this.cache = files;
    await writeJsonFile(this.storePath, { version: 1, files });
  }
}

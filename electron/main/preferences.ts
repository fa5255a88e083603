// The few things the main process remembers besides recent files and the
// window: the last folders used in dialogs and the chosen theme source.
import path from 'node:path';
import type { ThemeSource } from '../preload/api';
import { readJsonFile, writeJsonFile } from './json-store';
import { SerialQueue } from './serial-queue';

export const PREFERENCES_NAME = 'preferences.json';

export interface Preferences {
  lastOpenFolder?: string;
  lastExportFolder?: string;
  themeSource: ThemeSource;
}

const THEME_SOURCES: readonly ThemeSource[] = ['system', 'light', 'dark'];

export function isThemeSource(value: unknown): value is ThemeSource {
  return typeof value === 'string' && (THEME_SOURCES as readonly string[]).includes(value);
}

export function parsePreferences(json: unknown): Preferences {
  const raw = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const folder = (v: unknown) => (typeof v === 'string' && path.isAbsolute(v) && !v.includes('\0') ? v : undefined);
  const prefs: Preferences = { themeSource: isThemeSource(raw.themeSource) ? raw.themeSource : 'system' };
  const lastOpenFolder = folder(raw.lastOpenFolder);
  const lastExportFolder = folder(raw.lastExportFolder);
  if (lastOpenFolder) prefs.lastOpenFolder = lastOpenFolder;
  if (lastExportFolder) prefs.lastExportFolder = lastExportFolder;
  return prefs;
}

export class PreferencesStore {
  private cache: Preferences | null = null;
  private readonly queue = new SerialQueue();

  constructor(private readonly storePath: string) {}

  get(): Promise<Preferences> {
    return this.queue.run(async () => ({ ...(await this.load()) }));
  }

  update(change: Partial<Preferences>): Promise<Preferences> {
    return this.queue.run(async () => {
      const next = parsePreferences({ ...(await this.load()), ...change });
      this.cache = next;
      await writeJsonFile(this.storePath, next);
      return { ...next };
    });
  }

  private async load(): Promise<Preferences> {
    if (this.cache === null) this.cache = parsePreferences(await readJsonFile(this.storePath));
    return this.cache;
  }
}

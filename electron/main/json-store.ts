// Small JSON files in the user-data folder (recent files, window state,
// preferences). Writes go to a temporary name first and are renamed over the
// old file, so a crash never leaves half a file; an unreadable file reads as absent.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The parsed JSON of a file, or undefined if it is missing, too big or not JSON. */
export async function readJsonFile(filePath: string, maxBytes = 1024 * 1024): Promise<unknown> {
  try {
    const stats = await fs.stat(filePath);
    if (!stats.isFile() || stats.size > maxBytes) return undefined;
    return JSON.parse(await fs.readFile(filePath, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes `bytes` to `filePath` through a temporary file in the same folder and a rename. */
export async function writeFileAtomic(filePath: string, bytes: Uint8Array | string): Promise<void> {
  const dir = path.dirname(filePath);
  const temp = path.join(dir, `.${path.basename(filePath)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(temp, bytes, { flag: 'wx' });
    await fs.rename(temp, filePath);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

export async function writeJsonFile(filePath: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(filePath), { recursive: true });
  await writeFileAtomic(filePath, JSON.stringify(value, null, 2) + '\n');
}

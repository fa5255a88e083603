// An export written as the renderer makes it (issue 18): the renderer asks for a folder once,
// then sends each file in chunks, then finishes or aborts. Everything goes into a temporary
// folder beside the target, which replaces the target in one rename at the end (as a whole
// export does, save-export.ts); an aborted or failed export leaves nothing. Each request comes
// from the renderer and is checked as untrusted: a known token, safe names, bytes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SaveResult } from '../preload/api';
import { checkBytes, checkName, ExportRequestError, stagingFor, swapIn, type ExportDialogs, type ExportFolders } from './save-export';

/** A chunk larger than this is refused (the renderer sends blocks of rows, far smaller). */
const MAX_CHUNK_BYTES = 512 * 1024 ** 2;
/** Per-neuron PNGs of a big model: tens of thousands of files. */
const MAX_STREAMED_FILES = 1_000_000;

interface Stream {
  readonly parent: string;
  readonly folder: string;
  readonly staging: string;
  readonly files: Set<string>;
}

export class ExportStreams {
  private readonly streams = new Map<number, Stream>();
  private lastToken = 0;

  constructor(
    private readonly dialogs: ExportDialogs,
    private readonly folders: ExportFolders,
  ) {}

  /** Asks for a folder; the export goes into `folderName` inside it. A token for the next calls, or null when the user cancels. */
  async begin(folderName: unknown): Promise<number | null> {
    const name = checkName(folderName, 'export folder');
    const start = (await this.folders.lastFolder()) ?? this.folders.fallbackFolder;
    const choice = await this.dialogs.showOpenFolderDialog({ defaultPath: start });
    const chosen = choice.filePaths[0];
    if (choice.canceled || !chosen) return null;
    const parent = path.resolve(chosen);
    const folder = path.join(parent, name);
    const staging = await stagingFor(folder);
    const token = ++this.lastToken;
    this.streams.set(token, { parent, folder, staging, files: new Set() });
    return token;
  }

  /** Writes a chunk: a new file (`append` false), or more of one begun before. */
  async write(token: unknown, fileName: unknown, bytes: unknown, append: unknown): Promise<void> {
    const stream = this.stream(token);
    const name = checkName(fileName, 'export');
    const data = checkBytes(bytes, name);
    if (data.length > MAX_CHUNK_BYTES) throw new ExportRequestError(`${name}: a chunk of ${data.length} bytes is too big`);
    const key = name.toLowerCase();
    if (append === true) {
      if (!stream.files.has(key)) throw new ExportRequestError(`export: "${name}" was not begun`);
      await fs.appendFile(path.join(stream.staging, name), data);
      return;
    }
    if (stream.files.has(key)) throw new ExportRequestError(`export: "${name}" appears twice`);
    if (stream.files.size >= MAX_STREAMED_FILES) throw new ExportRequestError(`export: more than ${MAX_STREAMED_FILES} files`);
    stream.files.add(key);
    await fs.writeFile(path.join(stream.staging, name), data, { flag: 'wx' });
  }

  /** Puts the written export in place of the folder's previous content. */
  async finish(token: unknown): Promise<SaveResult> {
    const stream = this.stream(token);
    this.streams.delete(token as number);
    try {
      await swapIn(stream.staging, stream.folder);
    } finally {
      await fs.rm(stream.staging, { recursive: true, force: true });
    }
    await this.folders.remember(stream.parent);
    const names = await fs.readdir(stream.folder);
    return { saved: true, paths: names.map((n) => path.join(stream.folder, n)) };
  }

  /** Removes what was written; the folder chosen is left as it was. */
  async abort(token: unknown): Promise<void> {
    const stream = this.streams.get(token as number);
    if (!stream) return;
    this.streams.delete(token as number);
    await fs.rm(stream.staging, { recursive: true, force: true });
  }

  /** Aborts every export under way (the window closed or reloaded). */
  async abortAll(): Promise<void> {
    await Promise.all([...this.streams.keys()].map((t) => this.abort(t)));
  }

  private stream(token: unknown): Stream {
    const stream = typeof token === 'number' ? this.streams.get(token) : undefined;
    if (!stream) throw new ExportRequestError('export: no such export under way');
    return stream;
  }
}

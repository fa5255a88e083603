// Files the OS asks us to open (argv, a second launch, macOS open-file, the
// Open Recent menu): held until the renderer listens, then read one request
// after another and sent to it in the order they came.
import type { OpenedFiles, OpenedFilesEvent, OpenedFilesSource } from '../preload/api';
import { SerialQueue } from './serial-queue';
import { PendingQueue } from './pending-queue';
import { errorMessage } from '../../workers/engine/graph';

export interface OpenRequest {
  source: OpenedFilesSource;
  paths: string[];
  /** The neuron to show once opened (a neurovis:// link). */
  target?: { layer: string; neuron: number };
}

export interface OpenRequestDeps {
  read(paths: readonly string[]): Promise<OpenedFiles>;
  deliver(event: OpenedFilesEvent): void;
  /** Brings the window forward (a second launch or Finder asked for attention). */
  focus?(): void;
}

export class OpenRequestRouter {
  private readonly pending = new PendingQueue<OpenRequest>();
  private readonly reads = new SerialQueue();

  constructor(private readonly deps: OpenRequestDeps) {}

  push(request: OpenRequest): void {
    if (request.paths.length === 0) return;
    this.pending.push(request);
  }

  /** The renderer has a files-opened listener: deliver everything held, then each new request. */
  rendererReady(): void {
    this.pending.attach((request) => {
      void this.reads.run(async () => {
        let event: OpenedFilesEvent;
        try {
          event = { source: request.source, ...(await this.deps.read(request.paths)), ...(request.target && { target: request.target }) };
        } catch (error) {
          const message = errorMessage(error);
          event = { source: request.source, files: [], errors: request.paths.map((p) => ({ name: p.split(/[\\/]/).pop() ?? p, path: p, message })) };
        }
        this.deps.deliver(event);
        this.deps.focus?.();
      });
    });
  }

  /** The page is reloading or the window closed: hold requests again. */
  rendererGone(): void {
    this.pending.detach();
  }

  /** Resolves when every request taken so far has been delivered. */
  idle(): Promise<void> {
    return this.reads.run(async () => undefined);
  }

  get held(): number {
    return this.pending.size;
  }
}

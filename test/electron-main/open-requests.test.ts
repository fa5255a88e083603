import { describe, expect, it } from 'vitest';
import type { OpenedFiles, OpenedFilesEvent } from '../../electron/preload/api';
import { OpenRequestRouter } from '../../electron/main/open-requests';
import { PendingQueue } from '../../electron/main/pending-queue';

describe('PendingQueue', () => {
  it('holds items until a receiver attaches, then delivers in order and passes new ones straight on', () => {
    const queue = new PendingQueue<number>();
    queue.push(1);
    queue.push(2);
    expect(queue.size).toBe(2);
    const got: number[] = [];
    queue.attach((n) => got.push(n));
    expect(got).toEqual([1, 2]);
    queue.push(3);
    expect(got).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
  });

  it('holds again after detach (window reloading)', () => {
    const queue = new PendingQueue<string>();
    const first: string[] = [];
    queue.attach((s) => first.push(s));
    queue.detach();
    queue.push('during reload');
    expect(first).toEqual([]);
    const second: string[] = [];
    queue.attach((s) => second.push(s));
    expect(second).toEqual(['during reload']);
  });
});

function fakeRead(delays: Record<string, number> = {}) {
  const reads: string[][] = [];
  const read = async (paths: readonly string[]): Promise<OpenedFiles> => {
    reads.push([...paths]);
    const delay = delays[paths[0] ?? ''] ?? 0;
    // Later requests may finish reading first; delivery must keep the request order.
    await new Promise((r) => setTimeout(r, delay));
    if (paths[0] === '/boom') throw new Error('disk on fire');
    return { files: paths.map((p) => ({ name: p.slice(1), path: p, bytes: new Uint8Array([p.length]) })), errors: [] };
  };
  return { reads, read };
}

describe('OpenRequestRouter', () => {
  it('hands a neurovis:// link\'s neuron on with the files it opens', async () => {
    const { read } = fakeRead();
    const delivered: OpenedFilesEvent[] = [];
    const router = new OpenRequestRouter({ read, deliver: (e) => delivered.push(e) });
    router.push({ source: 'link', paths: ['/m/net.onnx'], target: { layer: 'conv1', neuron: 7 } });
    router.rendererReady();
    await router.idle();
    expect(delivered.map((e) => [e.source, e.files.map((f) => f.path), e.target])).toEqual([['link', ['/m/net.onnx'], { layer: 'conv1', neuron: 7 }]]);
  });

  it('queues macOS open-file and argv requests that come before the renderer listens', async () => {
    const { reads, read } = fakeRead();
    const delivered: OpenedFilesEvent[] = [];
    let focused = 0;
    const router = new OpenRequestRouter({ read, deliver: (e) => delivered.push(e), focus: () => focused++ });
    router.push({ source: 'os-open-file', paths: ['/a.onnx'] });
    router.push({ source: 'command-line', paths: ['/b.h5', '/c.npy'] });
    router.push({ source: 'command-line', paths: [] });
    expect(router.held).toBe(2);
    await router.idle();
    expect(reads).toEqual([]);
    expect(delivered).toEqual([]);

    router.rendererReady();
    await router.idle();
    expect(delivered.map((e) => [e.source, e.files.map((f) => f.path)])).toEqual([
      ['os-open-file', ['/a.onnx']],
      ['command-line', ['/b.h5', '/c.npy']],
    ]);
    expect(focused).toBe(2);
  });

  it('delivers in request order even when a later read finishes first', async () => {
    const { read } = fakeRead({ '/slow': 30, '/fast': 0 });
    const delivered: string[] = [];
    const router = new OpenRequestRouter({ read, deliver: (e) => delivered.push(e.files[0]?.path ?? '') });
    router.rendererReady();
    router.push({ source: 'second-instance', paths: ['/slow'] });
    router.push({ source: 'second-instance', paths: ['/fast'] });
    await router.idle();
    expect(delivered).toEqual(['/slow', '/fast']);
  });

  it('turns a failed read into errors for the renderer, and goes on', async () => {
    const { read } = fakeRead();
    const delivered: OpenedFilesEvent[] = [];
    const router = new OpenRequestRouter({ read, deliver: (e) => delivered.push(e) });
    router.rendererReady();
    router.push({ source: 'recent', paths: ['/boom'] });
    router.push({ source: 'recent', paths: ['/ok'] });
    await router.idle();
    expect(delivered[0]).toEqual({ source: 'recent', files: [], errors: [{ name: 'boom', path: '/boom', message: 'disk on fire' }] });
    expect(delivered[1]?.files.map((f) => f.path)).toEqual(['/ok']);
  });

  it('holds requests while the page reloads', async () => {
    const { read } = fakeRead();
    const delivered: string[] = [];
    const router = new OpenRequestRouter({ read, deliver: (e) => delivered.push(e.files[0]?.path ?? '') });
    router.rendererReady();
    router.rendererGone();
    router.push({ source: 'second-instance', paths: ['/x'] });
    await router.idle();
    expect(delivered).toEqual([]);
    router.rendererReady();
    await router.idle();
    expect(delivered).toEqual(['/x']);
  });
});

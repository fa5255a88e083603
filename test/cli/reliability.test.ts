// Issue 19 at the CLI's edge: settings refused in one line before any work, galleries that are
// replaced whole or not at all (also when interrupted), and export names that never collide.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'node', 'cli.js');
const fixtures = join(root, 'test', 'fixtures');

function neurovis(...args: string[]): { code: number; stderr: string } {
  return neurovisWith({}, ...args);
}

function neurovisWith(env: Record<string, string>, ...args: string[]): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stderr: r.stderr };
}

/** Every file under `dir` with its bytes, by relative path. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path).toString('base64'));
    }
  };
  walk(dir);
  return files;
}

const twoLayers = { format: 'neurovis', version: 1, name: 'ab', input: { shape: [6] }, layers: [{ kind: 'dense', units: 3, name: 'a' }, { kind: 'dense', units: 2, name: 'a.png' }] };
// Big enough that a gallery of it takes seconds on one worker: an interrupt lands mid-run.
const slow = {
  format: 'neurovis', version: 1, name: 'slow', input: { shape: [3, 48, 48] },
  layers: [{ kind: 'conv2d', filters: 32, kernel: 3, name: 'c1' }, { kind: 'activation', fn: 'relu', name: 'r1' }, { kind: 'conv2d', filters: 32, kernel: 3, name: 'c2' }, { kind: 'activation', fn: 'relu', name: 'r2' }, { kind: 'conv2d', filters: 64, kernel: 3, name: 'c3' }],
};

let work: string;
let ab: string;
beforeAll(() => {
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'neurovis-reliable-'));
  ab = join(work, 'ab.neurovis.json');
  writeFileSync(ab, JSON.stringify(twoLayers));
  writeFileSync(join(work, 'slow.neurovis.json'), JSON.stringify(slow));
});

describe('settings refused at the edge', () => {
  it('refuses each bad setting in one line, before any output', () => {
    const out = join(work, 'never');
    const cases: [string[], RegExp][] = [
      [['--radius', '1e308'], /^neurovis: --radius must be from 1e-15 to 1e\+15 .*got 1e\+308$/],
      [['--radius', '1e-320'], /^neurovis: --radius must be from .*got 1e-320$/],
      [['--radius', ''], /^neurovis: --radius must be a positive number, got ""$/],
      [['--layers', ','], /^neurovis: the layer list is empty/],
      [['--layers', 'aa'], /^neurovis: no layer "aa" in ab\.neurovis\.json; did you mean "a"\?$/],
      [['--workers', ''], /^neurovis: --workers must be a whole number from 0 to 256, got ""$/],
      [['--workers', '1.5'], /^neurovis: --workers must be a whole number/],
      [['--neurons', '0'], /^neurovis: --neurons must be a whole number from 1/],
      [[join(fixtures, 'numpy', 'chain12.npz')], /^neurovis: chain12\.npz: a second model file \(NumPy \.npz\) beside ab\.neurovis\.json; give one model at a time$/],
    ];
    for (const [extra, message] of cases) {
      const r = neurovis('gallery', ab, '--out', out, '--workers', '0', '--quiet', ...extra);
      expect({ extra, code: r.code }).toEqual({ extra, code: r.code === 2 ? 2 : 1 });
      expect(r.code).not.toBe(0);
      expect(r.stderr.split('\n')[0]).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    const exact = neurovis('gallery', join(work, 'slow.neurovis.json'), '--out', out, '--mode', 'exact', '--quiet');
    expect(exact.code).toBe(1);
    expect(exact.stderr).toMatch(/^neurovis: slow\.neurovis\.json: the exact mode reverses linear networks only, and this one has nonlinear nodes \(r1, r2\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an --out it cannot write at once, naming the path and the cause', () => {
    const file = join(work, 'plain-file');
    writeFileSync(file, 'x');
    expect(neurovis('gallery', ab, '--out', join(file, 'gallery')).stderr).toMatch(new RegExp(`^neurovis: ${file}/gallery: cannot create the output folder: a part of the path is a file, not a folder \\(ENOTDIR\\)`));
    expect(neurovis('gallery', ab, '--out', file).stderr).toMatch(/--out names a file, not a folder/);
    // A folder of other files is never replaced by a gallery.
    const home = join(work, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'notes.txt'), 'mine');
    const r = neurovis('gallery', ab, '--out', home, '--workers', '0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds "notes\.txt", which is not part of a gallery/);
    expect(readFileSync(join(home, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('atomic galleries', () => {
  it('gives layers "a" and "a.png" their own files and records them in the manifest', () => {
    const out = join(work, 'ab');
    const r = neurovis('gallery', ab, '--out', out, '--workers', '0', '--quiet');
    expect(r.stderr).toBe('');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.layers.map((l: { id: string; file: string }) => [l.id, l.file])).toEqual([['a', 'a.npy'], ['a.png', 'a_png.npy']]);
    expect(readdirSync(join(out, 'a')).sort()).toEqual(['neuron_0.png', 'neuron_1.png', 'neuron_2.png']);
    expect(readdirSync(join(out, 'a_png')).sort()).toEqual(['neuron_0.png', 'neuron_1.png']);
    expect(statSync(join(out, 'a.png')).isFile()).toBe(true);
  });

  it('replaces an earlier gallery whole: no files of the earlier run stay', () => {
    const out = join(work, 'replaced');
    expect(neurovis('gallery', ab, '--out', out, '--workers', '0', '--quiet').code).toBe(0);
    expect(neurovis('gallery', ab, '--out', out, '--workers', '0', '--quiet', '--layers', 'a', '--format', 'npy,json').code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['a.npy', 'manifest.json']);
    expect(readdirSync(work).filter((n) => n.includes('.neurovis-'))).toEqual([]);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`leaves an earlier gallery byte-identical when interrupted by ${signal} (exit ${code}, no temporary files)`, async () => {
      const parent = join(work, `interrupted-${signal}`);
      const out = join(parent, 'gallery');
      mkdirSync(parent);
      expect(neurovis('gallery', ab, '--out', out, '--workers', '0', '--quiet').code).toBe(0);
      const before = snapshot(out);
      const child = spawn(process.execPath, [cli, 'gallery', join(work, 'slow.neurovis.json'), '--out', out, '--workers', '1', '--objective', 'neuron', '--mode', 'surrogate', '--force'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      // Interrupted once the work has started: the estimate is printed after the model is read.
      const started = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), /neurons/.test(stderr) && resolve())));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      await started;
      expect(readdirSync(parent).filter((n) => n.includes('.neurovis-'))).toHaveLength(1);
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(snapshot(out)).toEqual(before);
      expect(readdirSync(parent)).toEqual(['gallery']);
    }, 120_000);
  }
});

describe('faults contained', () => {
  // A job that spins forever (a wedged worker) outlives its time limit (shortened here to 3 s).
  const wedged = (times: number) => ({ NEUROVIS_TEST_FAULT: `spin:a.png:1:${times}`, NEUROVIS_TEST_JOB_TIMEOUT_MS: '3000' });

  it('reports a layer whose job fails twice in the manifest and exits 3, with the other layers complete', () => {
    const out = join(work, 'fault-twice');
    const r = neurovisWith({ NEUROVIS_TEST_FAULT: 'exit:a.png:1:2' }, 'gallery', ab, '--out', out, '--workers', '1', '--quiet');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^neurovis: 1 layer failed and is listed in the manifest's "failed": "a\.png" \(the worker was lost twice computing these neurons/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.layers.map((l: { id: string }) => l.id)).toEqual(['a']);
    expect(manifest.failed).toEqual([{ layer: 'a.png', reason: expect.stringMatching(/the worker was lost twice .*exit code/) }]);
    expect(readdirSync(out).sort()).toEqual(['a', 'a.npy', 'a.png', 'a.svg', 'manifest.json']);
  });

  for (const [what, env] of [['dies', { NEUROVIS_TEST_FAULT: 'exit:a.png:1:1' }], ['wedges (stopped past its time)', wedged(1)]] as const) {
    it(`replaces a worker that ${what} and retries its job once: the gallery is complete`, () => {
      const out = join(work, `fault-once-${env.NEUROVIS_TEST_FAULT.split(':')[0]}`);
      const r = neurovisWith(env, 'gallery', ab, '--out', out, '--workers', '1', '--quiet', '--format', 'npy,json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      expect(manifest.layers.map((l: { id: string }) => l.id)).toEqual(['a', 'a.png']);
      expect(manifest.failed).toBeUndefined();
    });
  }

  it('reports a layer whose job wedges its worker twice, with the reason, and exits 3', () => {
    const out = join(work, 'wedged-twice');
    const r = neurovisWith(wedged(2), 'gallery', ab, '--out', out, '--workers', '1', '--quiet', '--format', 'npy,json');
    expect(r.code).toBe(3);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.layers.map((l: { id: string }) => l.id)).toEqual(['a']);
    expect(manifest.failed).toEqual([{ layer: 'a.png', reason: expect.stringMatching(/lost twice .*no answer after 3 s/) }]);
  });

  it('with --workers 0 too, a layer that fails is reported in the manifest and the others complete (exit 3)', () => {
    const out = join(work, 'fault-here');
    const r = neurovisWith({ NEUROVIS_TEST_FAULT: 'throw:a.png:1:1' }, 'gallery', ab, '--out', out, '--workers', '0', '--quiet', '--format', 'npy,json');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/"a\.png" \(injected fault: this layer fails on purpose\)/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.layers.map((l: { id: string }) => l.id)).toEqual(['a']);
    expect(manifest.failed).toEqual([{ layer: 'a.png', reason: 'injected fault: this layer fails on purpose' }]);
    expect(readdirSync(out).sort()).toEqual(['a.npy', 'manifest.json']);
  });
});

// linearisedAt, end to end: the engine's LayerResult → the worker → the pool → the manifest.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeNeurons } from '../../workers/engine/compute';
import { loadModeNetwork } from '../fixtures/modes/load';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'node', 'cli.js');
const modes = join(root, 'test', 'fixtures', 'modes');

let work: string;
beforeAll(() => {
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'neurovis-linearised-'));
});

describe('the manifest says where the surrogate linearised at the reference input', () => {
  for (const workers of ['0', '1']) {
    it(`--workers ${workers}: each layer lists the gates behind it, as the engine reports them`, () => {
      const out = join(work, `w${workers}`);
      const r = spawnSync(process.execPath, [cli, 'gallery', join(modes, 'squeeze_excite.onnx'), '--mode', 'surrogate', '--reference', join(modes, 'squeeze_excite.x0.npy'), '--format', 'json', '--workers', workers, '--quiet', '--out', out], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { layers: { id: string; linearisedAt?: string[] }[] };
      const { model, x0 } = loadModeNetwork('squeeze_excite');
      let gated = 0;
      for (const layer of manifest.layers) {
        const engine = computeNeurons(model, layer.id, [0], { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1, reference: x0 }).linearisedAt;
        expect(layer.linearisedAt ?? [], layer.id).toEqual(engine);
        if (engine.length > 0) gated++;
      }
      expect(gated).toBeGreaterThan(0);
    });
  }
});

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { channelPatterns } from '../../workers/engine/channel-pattern';
import { modeById } from '../../workers/engine/modes';
import { prepare } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { readModel } from '../../workers/formats/index';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'channel');

interface ChannelCase {
  readonly layer: number;
  readonly channel: number;
  readonly sigma: number[];
  readonly vectors: number[][];
}

const oracle = JSON.parse(readFileSync(join(DIR, 'channel_cnn.json'), 'utf8')) as { model: string; cases: ChannelCase[] };
const model = prepare(readModel([{ name: oracle.model, bytes: new Uint8Array(readFileSync(join(DIR, oracle.model))) }]));
const options = { mode: 'surrogate' as const, objective: { kind: 'channel' as const }, radius: 2 };

/**
 * The surrogate's channel objective against PyTorch (make_channel_oracle.py: autograd for the
 * centre neuron's kernel, the architecture's stride, an SVD of the moved kernels): the energy
 * Σ_p (k_p·x)² that the engine's x* reaches, counted over the oracle's top singular directions
 * only (a lower bound of the whole), is at least 99.9 % of the largest possible, σ₁².
 */
describe('channel objective in the surrogate mode: the channel’s pattern (PyTorch oracle)', () => {
  it('x* maximises the energy of the channel’s moved centre kernels', () => {
    for (const layerIndex of [...new Set(oracle.cases.map((c) => c.layer))]) {
      const layer = model.layers[layerIndex];
      const cases = oracle.cases.filter((c) => c.layer === layerIndex);
      const r = channelPatterns(model, layer.id, cases.map((c) => c.channel), options);
      const n = r.xstar.length / cases.length;
      cases.forEach((c, row) => {
        const x = Array.from(r.xstar.subarray(row * n, (row + 1) * n), (v) => v / options.radius);
        let energy = 0;
        c.vectors.forEach((v, i) => {
          let d = 0;
          for (let j = 0; j < n; j++) d += v[j] * x[j];
          energy += c.sigma[i] ** 2 * d * d;
        });
        expect(energy / c.sigma[0] ** 2, `layer ${layer.id} channel ${c.channel}`).toBeGreaterThanOrEqual(0.999);
        expect(r.norms[row]).toBeCloseTo(c.sigma[0], 3);
      });
    }
  });

  it('is not the flat square of the mean, is what the surrogate mode runs', () => {
    const layer = model.layers[3];
    const mean = reverseLayer(model, layer.id, [0], options);
    const pattern = modeById('surrogate').run(model, layer.id, [0], { objective: options.objective, radius: options.radius });
    expect(Array.from(pattern.xstar)).toEqual(Array.from(channelPatterns(model, layer.id, [0], options).xstar));
    // The mean's x* is one value per colour in the interior; the pattern's varies there.
    const spread = (x: Float32Array): number => {
      let [lo, hi] = [Infinity, -Infinity];
      for (let y = 4; y < 12; y++) for (let i = 4; i < 12; i++) [lo, hi] = [Math.min(lo, x[y * 16 + i]), Math.max(hi, x[y * 16 + i])];
      return hi - lo;
    };
    expect(spread(mean.xstar)).toBeLessThan(1e-4);
    expect(spread(pattern.xstar)).toBeGreaterThan(0.1);
  });

  it('gives a channel the same x* whatever other channels share its job (the pool’s results equal the engine’s)', () => {
    const layer = model.layers[5];
    const together = channelPatterns(model, layer.id, [0, 1, 2], options);
    const alone = channelPatterns(model, layer.id, [2], options);
    const n = alone.xstar.length;
    expect(Array.from(together.xstar.subarray(2 * n, 3 * n))).toEqual(Array.from(alone.xstar));
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runForward } from '../../workers/engine/forward';
import { prepare } from '../../workers/engine/prepare';
import { sizeOf } from '../../workers/engine/tensor';
import { readModel } from '../../workers/formats/index';
import { argmax, correlation, maxAbsDiff, probeInput, type Oracle } from '../fixtures/tflite/probe';

/** The real models of ../shared/models (MANIFEST.md); NEUROVIS_SHARED points elsewhere (a worktree). */
const root = join(__dirname, '..', '..');
const SHARED = join(process.env.NEUROVIS_SHARED ?? join(root, '..', 'shared'), 'models', 'tflite');
const available = existsSync(SHARED);
if (!available) console.log(`tflite-real: skipped, ${SHARED} does not exist (the real models are not part of the repository)`);

const oracles = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'tflite', 'real-models.oracle.json'), 'utf8')) as Oracle[];

function open(file: string) {
  const graph = readModel([{ name: file, bytes: new Uint8Array(readFileSync(join(SHARED, file))) }]);
  return { graph, model: prepare(graph) };
}

describe.skipIf(!available)('real TFLite models against Arm NN', () => {
  for (const oracle of oracles) {
    it(`${oracle.model}: the forward pass agrees with Arm NN's reference backend`, () => {
      const { graph, model } = open(oracle.model);
      expect(graph.channelAxis).toBe('last');
      expect(graph.inputLayout).toBe('NHWC');
      for (const c of oracle.cases) {
        const x = probeInput(c.probe, sizeOf(model.inputFeatureShape), graph.inputRange);
        const y = runForward(model, x, [graph.outputs[0]]).get(graph.outputs[0])!.data;
        expect(y.length).toBe(c.output.length);
        if (graph.quantization) {
          // The dequantised float network against the uint8 runtime: equal within quantisation error.
          expect(correlation(y, c.output)).toBeGreaterThan(0.9);
          expect(argmax(y)).toBe(argmax(c.output));
        } else {
          expect(maxAbsDiff(y, c.output)).toBeLessThan(1e-4 * Math.max(...c.output.map(Math.abs)));
        }
      }
    });
  }

  it('describe the uint8 model: input range from its quantisation, channels-last layers', () => {
    const { graph, model } = open('coral_mobilenet_v1_0.25_128_uint8.tflite');
    expect(graph.quantization).toEqual({ scheme: 'tflite', description: 'uint8 per-tensor' });
    expect(graph.inputRange).toEqual([-1, 127 / 128]);
    expect(model.inputFeatureShape).toEqual([128, 128, 3]);
    expect(model.layers.map((l) => l.op)).toEqual([
      'CONV_2D',
      ...Array.from({ length: 13 }, () => ['DEPTHWISE_CONV_2D', 'CONV_2D']).flat(),
      'AVERAGE_POOL_2D',
      'CONV_2D',
      'SOFTMAX',
    ]);
    expect(model.layers[0]).toMatchObject({ name: 'MobilenetV1/MobilenetV1/Conv2d_0/Relu6', featureShape: [64, 64, 8], channelAxis: 2, neurons: 8 });
  });
});

describe.skipIf(!available)('neurovis gallery on real TFLite models', () => {
  let work: string;
  beforeAll(() => {
    spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
    work = mkdtempSync(join(tmpdir(), 'neurovis-tflite-'));
  });

  const cases: [string, (layers: string[]) => string[]][] = [
    ['float32_mnist_fc_tanh.tflite', (ids) => ids],
    ['coral_mobilenet_v1_0.25_128_uint8.tflite', (ids) => [ids[0], ids[ids.length - 4]]],
  ];
  for (const [file, pick] of cases) {
    it(`${file}: a finite surrogate gallery`, () => {
      const { model } = open(file);
      const layers = pick(model.layers.map((l) => l.id));
      const out = join(work, file);
      const r = spawnSync(process.execPath, [join(root, 'dist', 'node', 'cli.js'), 'gallery', join(SHARED, file), '--mode', 'surrogate', '--out', out, '--format', 'npy,json', '--layers', layers.join(','), '--quiet'], { encoding: 'utf8', timeout: 600_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { layers: { id: string; activations: number[]; norms: number[] }[] };
      expect(manifest.layers.map((l) => l.id)).toEqual(layers);
      for (const l of manifest.layers) {
        expect(l.activations.every(Number.isFinite)).toBe(true);
        expect(l.norms.every((n) => Number.isFinite(n) && n > 0)).toBe(true);
      }
    }, 600_000);
  }
});

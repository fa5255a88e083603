import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, inject } from 'vitest';
import { allNeurons, computeNeurons, type GallerySettings } from '../../workers/engine/compute';
import { knownFromResults, reusedLayers } from '../../workers/engine/reuse';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import type { InputFile } from '../../workers/formats/types';
import { decodeNpy } from '../../workers/formats/numpy/npy';
import type { LayerResult } from '../../workers/engine/layer-result';
import { createNodePool, type NodePoolOptions } from '../../workers/pool/node';
import type { WorkerPool } from '../../workers/pool/pool';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** The worker bundle the vitest globalSetup built (test/pool/build-worker.setup.ts). */
export function builtWorker(): string {
  const built = inject('poolWorker');
  if ('error' in built) throw new Error(`building dist/node/worker.js failed: ${built.error}`);
  return built.path;
}

export function fixtureFile(relative: string): InputFile {
  return { name: relative.split('/').pop()!, bytes: new Uint8Array(readFileSync(join(FIXTURES, relative))) };
}

export function fixtureArray(relative: string): Float32Array {
  return Float32Array.from(decodeNpy(fixtureFile(relative).bytes, relative).data);
}

const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.terminate()));
});

/** A Node pool on the built worker, terminated after the test. */
export function testPool(options: Omit<NodePoolOptions, 'workerPath'> = {}): WorkerPool {
  const pool = createNodePool({ size: 2, ...options, workerPath: builtWorker() });
  pools.push(pool);
  return pool;
}

export function prepareFiles(files: readonly InputFile[]): PreparedModel {
  return prepare(readModel(files));
}

/**
 * The single-threaded engine's answer for every neuron of a layer, as the pool computes it
 * in a run of `runLayers` (default: every layer): the pool hands a layer the results of the
 * layers it reuses (engine/reuse.ts) when they are in the run, so the engine gets the same.
 */
export function engineLayer(model: PreparedModel, layer: string, settings: GallerySettings, runLayers?: readonly string[]) {
  const run = runLayers ?? model.layers.map((l) => l.id);
  const results = new Map<string, ReturnType<typeof computeNeurons>>();
  const known = knownFromResults(results);
  const upTo = run.indexOf(layer);
  for (const id of upTo >= 0 ? run.slice(0, upTo + 1) : [layer]) {
    const reuses = settings.mode !== 'ascent' && reusedLayers(model.layers.find((l) => l.id === id)!, settings.mode).some((s) => results.has(s));
    results.set(id, computeNeurons(model, id, allNeurons(model, id, settings.objective), settings, reuses ? known : undefined));
  }
  return results.get(layer)!;
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Pool results (one layer, neuron order) against the engine's, bit for bit. */
export function expectSameAsEngine(got: LayerResult, expected: ReturnType<typeof engineLayer>): void {
  expect(got.neurons).toEqual(expected.neurons);
  expect(got.inputShape).toEqual(expected.inputShape);
  for (const key of ['xstar', 'norms', 'activations', 'baselines'] as const) expect(bits(got[key]), `${expected.layer} ${key}`).toEqual(bits(expected[key]));
  expect(got.dead, `${expected.layer} dead`).toEqual(expected.dead);
  expect(got.linearisedAt).toEqual(expected.linearisedAt);
  if (expected.traces) expect(got.traces!.map(bits), `${expected.layer} traces`).toEqual(expected.traces.map(bits));
}

export function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (condition()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** A .neurovis.json chain (the builder's format, read by its real reader) with seeded weights. */
export function neurovisNet(name: string, input: number[], layers: object[]): InputFile {
  const spec = { format: 'neurovis', version: 1, name, input: { shape: input }, layers };
  return { name: `${name}.neurovis.json`, bytes: new TextEncoder().encode(JSON.stringify(spec)) };
}

/** dense1 (10) → activation2 relu (10) → dense3 (12) on an 8-vector. */
export function smallNet(seed = 1): InputFile {
  return neurovisNet(`small${seed}`, [8], [
    { kind: 'dense', units: 10, init: { kind: 'normal', seed } },
    { kind: 'activation', fn: 'relu' },
    { kind: 'dense', units: 12, init: { kind: 'normal', seed: seed + 1 } },
  ]);
}

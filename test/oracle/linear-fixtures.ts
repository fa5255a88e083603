import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The PyTorch oracles of test/fixtures/linear (made by make_oracles.py). */
export interface OracleLayer {
  readonly tensor: string;
  readonly op: string;
  readonly featureShape: readonly number[];
  readonly objective: 'neuron' | 'channel';
  readonly neurons: readonly number[];
  /** Index (in floats) of the first x* row in oracles.bin. */
  readonly offset: number;
  /** The objective PyTorch reaches at x* (radius 1), and at x = 0. */
  readonly activations: readonly number[];
  readonly baselines: readonly number[];
}

export interface OracleModel {
  readonly name: string;
  readonly file: string;
  readonly opset: number;
  readonly inputShape: readonly number[];
  readonly ops: readonly string[];
  readonly layers: readonly OracleLayer[];
}

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'linear');

export function loadOracles(): { models: OracleModel[]; rows: Float32Array } {
  const index = JSON.parse(readFileSync(join(FIXTURE_DIR, 'oracles.json'), 'utf8')) as { models: OracleModel[] };
  const bin = readFileSync(join(FIXTURE_DIR, 'oracles.bin'));
  const rows = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  return { models: index.models, rows };
}

export function modelFile(model: OracleModel): { name: string; bytes: Uint8Array } {
  return { name: `${model.name}.onnx`, bytes: new Uint8Array(readFileSync(join(FIXTURE_DIR, model.file))) };
}

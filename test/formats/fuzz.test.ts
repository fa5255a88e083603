import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { materialize, serializeNetwork } from '../../workers/formats/neurovis/network';

/**
 * Damaged files for the ONNX, TFLite and .neurovis.json readers (the Keras, TF.js and NumPy
 * readers have their own): 50 truncations and 1,000 random byte mutations of a fixture.
 * Each must end in a ModelError or a model, never another exception, a hang or a huge allocation.
 */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function damage(name: string, original: Uint8Array, seed: number): { errors: number; models: number } {
  const rand = lcg(seed);
  let errors = 0;
  let models = 0;
  const attempt = (bytes: Uint8Array): void => {
    try {
      prepare(readModel([{ name, bytes }]));
      models++;
    } catch (e) {
      if (!(e instanceof ModelError)) throw new Error(`${name}: not a ModelError: ${e instanceof Error ? e.stack : String(e)}`);
      expect(e.message.length).toBeGreaterThan(0);
      errors++;
    }
  };
  for (let i = 0; i < 50; i++) attempt(original.subarray(0, Math.floor(rand() * original.length)));
  for (let i = 0; i < 1000; i++) {
    const bytes = new Uint8Array(original);
    bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    attempt(bytes);
  }
  return { errors, models };
}

describe('damaged files', () => {
  it('ONNX: every truncation and mutation ends in a clear error or a model', () => {
    const file = join(__dirname, '..', 'fixtures', 'linear', 'models', 'conv2d_strides.onnx');
    const r = damage('conv2d_strides.onnx', new Uint8Array(readFileSync(file)), 5);
    console.log(`onnx reader: ${r.errors} clear errors, ${r.models} models read, of 1050 damaged files`);
    expect(r.errors + r.models).toBe(1050);
    expect(r.errors).toBeGreaterThan(50);
  });

  it('TFLite: every truncation and mutation ends in a clear error or a model', () => {
    const file = join(__dirname, '..', 'fixtures', 'tflite', 'mobilenet_u8.tflite');
    const r = damage('mobilenet_u8.tflite', new Uint8Array(readFileSync(file)), 7);
    console.log(`tflite reader: ${r.errors} clear errors, ${r.models} models read, of 1050 damaged files`);
    expect(r.errors + r.models).toBe(1050);
    expect(r.errors).toBeGreaterThan(50);
  });

  it('.neurovis.json: every truncation and mutation ends in a clear error or a model', () => {
    const net = materialize({
      format: 'neurovis',
      version: 1,
      name: 'small',
      input: { shape: [1, 8, 8] },
      layers: [{ kind: 'conv2d', filters: 2, kernel: 3, padding: 1 }, { kind: 'avgpool', size: 2 }, { kind: 'flatten' }, { kind: 'dense', units: 3 }],
    });
    const bytes = new TextEncoder().encode(serializeNetwork(net).json);
    const r = damage('small.neurovis.json', bytes, 9);
    console.log(`neurovis reader: ${r.errors} clear errors, ${r.models} models read, of 1050 damaged files`);
    expect(r.errors + r.models).toBe(1050);
    expect(r.errors).toBeGreaterThan(50);
  });
});

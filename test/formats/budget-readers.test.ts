// Issue 19: every reader counts the bytes it is about to allocate against the memory budget,
// so small files that declare big tensors (inflated members, compressed datasets, int8 raw
// data decoded to 8 bytes a value) end in one line naming the file, the tensor, its size and
// the budget, before the allocation; overlapping zip members are refused outright.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_BUDGET_BYTES, setMemoryBudget } from '../../workers/engine/budget';
import { readModel } from '../../workers/formats/index';
import { crc32 } from '../../workers/formats/zip/crc32';
import { bytes, concat, int, model, node, ONNX, rawTensor, text, valueInfo } from '../helpers/onnx-writer';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'node', 'cli.js');
const fixtures = join(root, 'test', 'fixtures', 'budget');
const MB = 1024 ** 2;

let work: string;
beforeAll(() => {
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'neurovis-bombs-'));
  // Preloaded into the CLI: writes the process's peak resident memory (kB) when it exits.
  writeFileSync(join(work, 'peak.cjs'), "process.on('exit', () => require('fs').writeFileSync(process.env.PEAK_FILE, String(process.resourceUsage().maxRSS)));\n");
});
afterEach(() => setMemoryBudget(DEFAULT_MEMORY_BUDGET_BYTES));

/** Runs the CLI on a file in a child process: its exit code, stderr and peak resident memory in bytes. */
function neurovis(file: string, ...args: string[]): { code: number; stderr: string; peak: number } {
  const peakFile = join(work, `peak-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync(process.execPath, ['-r', join(work, 'peak.cjs'), cli, ...args.map((a) => (a === 'FILE' ? file : a))], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PEAK_FILE: peakFile },
  });
  return { code: r.status ?? -1, stderr: r.stderr, peak: Number(readFileSync(peakFile, 'utf8')) * 1024 };
}

const errorOf = (name: string, bytes: Uint8Array): string => {
  try {
    readModel([{ name, bytes }]);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${name} was read`);
};

/* ------------------------------------------------------------------ zip archives (.keras) */

interface Member {
  readonly name: string;
  readonly stored: Uint8Array;
  readonly method: 0 | 8;
  readonly size: number;
  readonly crc: number;
}

const deflated = (name: string, data: Uint8Array): Member => ({ name, stored: deflateRawSync(data, { level: 9 }), method: 8, size: data.length, crc: crc32(data) });

/**
 * A zip archive of local members written back to back and a central directory whose records
 * each point at one of them (`local`), possibly under another name and with a longer
 * compressed size: how overlapping-member bombs reuse one deflate stream.
 */
function archive(locals: readonly Member[], directory: readonly { name: string; local: number; compressedSize?: number }[]): Uint8Array {
  const u16 = (v: number): number[] => [v & 0xff, v >>> 8];
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const m of locals) {
    const name = new TextEncoder().encode(m.name);
    const header = Uint8Array.from([...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(m.method), ...u32(0), ...u32(m.crc), ...u32(m.stored.length), ...u32(m.size), ...u16(name.length), ...u16(0)]);
    offsets.push(at);
    parts.push(header, name, m.stored);
    at += header.length + name.length + m.stored.length;
  }
  const directoryStart = at;
  for (const d of directory) {
    const m = locals[d.local];
    const name = new TextEncoder().encode(d.name);
    const record = [...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...u16(m.method), ...u32(0), ...u32(m.crc), ...u32(d.compressedSize ?? m.stored.length), ...u32(m.size)];
    parts.push(Uint8Array.from([...record, ...u16(name.length), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(offsets[d.local])]), name);
    at += 46 + name.length;
  }
  parts.push(Uint8Array.from([...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(directory.length), ...u16(directory.length), ...u32(at - directoryStart), ...u32(directoryStart), ...u16(0)]));
  return concat(...parts);
}

const zeros = new Uint8Array(64 * MB);
const kernel = deflated('model.weights.h5', zeros);

describe('zip archives (.keras)', () => {
  it('members that share one deflate stream (full overlap) are refused at once, naming two of them', () => {
    const bomb = archive([kernel], ['config.json', 'metadata.json', 'model.weights.h5'].map((name) => ({ name, local: 0 })));
    expect(bomb.length).toBeLessThan(100_000);
    expect(errorOf('bomb.keras', bomb)).toMatch(/^bomb\.keras: corrupt or unsupported archive: members "[a-z.0-9]+" and "[a-z.0-9]+" overlap in the archive \(a zip bomb or a damaged file\)$/);
  });

  it('a member whose compressed bytes run over the next member (quoted overlap) is refused', () => {
    const config = deflated('config.json', new TextEncoder().encode('{}'));
    const bomb = archive([config, kernel], [
      { name: 'config.json', local: 0, compressedSize: config.stored.length + 30 + 16 + kernel.stored.length },
      { name: 'model.weights.h5', local: 1 },
    ]);
    expect(errorOf('quoted.keras', bomb)).toBe('quoted.keras: corrupt or unsupported archive: members "config.json" and "model.weights.h5" overlap in the archive (a zip bomb or a damaged file)');
  });

  it('a member whose declared size is past the budget is refused before it is inflated', () => {
    const file = archive([deflated('config.json', new TextEncoder().encode('{}')), kernel], [
      { name: 'config.json', local: 0 },
      { name: 'model.weights.h5', local: 1 },
    ]);
    setMemoryBudget(16 * MB);
    expect(errorOf('big.keras', file)).toBe(
      'big.keras: archive member "model.weights.h5" would take 64 MB (67,108,864 values), past the memory budget of 16 MB; raise it with --memory-budget if the machine has the memory',
    );
  });

  it('the CLI ends an overlapping-member bomb in one line, with the default budget, within 2 GB', () => {
    const file = join(work, 'bomb.keras');
    writeFileSync(file, archive([kernel], ['config.json', 'metadata.json', 'model.weights.h5'].map((name) => ({ name, local: 0 }))));
    const r = neurovis(file, 'gallery', 'FILE', '--out', join(work, 'bomb-out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^neurovis: bomb\.keras: corrupt or unsupported archive: members .* overlap in the archive \(a zip bomb or a damaged file\)\n$/);
    expect(r.peak).toBeLessThan(2 * 1024 * MB);
  });
});

/* ------------------------------------------------------------------ HDF5 (.h5) */

describe('HDF5 (.h5)', () => {
  it('a compressed dataset is counted at its decompressed size before it is inflated (make_bombs.py)', () => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, 'compressed_kernel.h5')));
    expect(bytes.length).toBeLessThan(MB);
    setMemoryBudget(64 * MB);
    expect(errorOf('compressed_kernel.h5', bytes)).toBe(
      'compressed_kernel.h5: dataset /model_weights/dense/dense/kernel:0 [8192, 8192] of float32 would take 256 MB (67,108,864 values), past the memory budget of 64 MB; raise it with --memory-budget if the machine has the memory',
    );
  });

  it('within the budget the same file reads: the kernel is all zeros', () => {
    setMemoryBudget(1024 * MB);
    const graph = readModel([{ name: 'compressed_kernel.h5', bytes: new Uint8Array(readFileSync(join(fixtures, 'compressed_kernel.h5'))) }]);
    const weights = [...graph.initializers.values()].filter((t) => t.shape.length === 2);
    expect(weights.map((t) => t.shape)).toEqual([[8192, 8192]]);
    expect(weights[0].data.every((v) => v === 0)).toBe(true);
  });

  it('the CLI says so in one line with --memory-budget, within 2 GB', () => {
    const r = neurovis(join(fixtures, 'compressed_kernel.h5'), 'info', 'FILE', '--memory-budget', '64MB');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^neurovis: compressed_kernel\.h5: dataset \/model_weights\/dense\/dense\/kernel:0 .* past the memory budget of 64 MB; raise it with --memory-budget if the machine has the memory\n$/);
    expect(r.peak).toBeLessThan(2 * 1024 * MB);
  });
});

/* ------------------------------------------------------------------ ONNX */

/** x [1, 4] → Gemm with weights W of int8 raw data [4, n] (1 byte a value in the file, 8 once decoded), then a second such weight. */
function int8Model(n: number, weights = 1): Uint8Array {
  const inits = Array.from({ length: weights }, (_, i) => rawTensor(`W${i}`, [4, n], ONNX.INT8, new Uint8Array(4 * n)));
  const nodes = Array.from({ length: weights }, (_, i) => node('Gemm', `fc${i}`, [i === 0 ? 'x' : `y${i - 1}`, `W${i}`], [`y${i}`]));
  return model(nodes, inits, valueInfo('x', [1, 4]), text(1, `y${weights - 1}`));
}

describe('ONNX', () => {
  it('int8 raw data is counted at its decoded size (8 bytes a value) before decoding', () => {
    setMemoryBudget(16 * MB);
    expect(errorOf('int8.onnx', int8Model(1 << 20))).toBe(
      'int8.onnx: tensor "W0" [4, 1048576] of int8 would take 32 MB (4,194,304 values), past the memory budget of 16 MB; raise it with --memory-budget if the machine has the memory',
    );
  });

  it('tensors are counted together: the one that passes the budget is named with what was read before it', () => {
    setMemoryBudget(12 * MB);
    expect(errorOf('two.onnx', int8Model(1 << 18, 2))).toBe(
      'two.onnx: tensor "W1" [4, 262144] of int8 would take 8 MB (1,048,576 values); with the 8 MB read before it, the model passes the memory budget of 12 MB; raise it with --memory-budget if the machine has the memory',
    );
  });

  it('packed int64 values (one byte each in the file) are counted at 8 bytes each', () => {
    const n = 1 << 21;
    const packed = concat(int(1, n), int(2, ONNX.INT64), text(8, 'shape'), bytes(7, new Uint8Array(n)));
    setMemoryBudget(8 * MB);
    const file = model([node('Reshape', 'r', ['x', 'shape'], ['y'])], [packed], valueInfo('x', [1, 4]), text(1, 'y'));
    expect(errorOf('packed.onnx', file)).toMatch(/^packed\.onnx: tensor "shape" \[2097152\] of int64 would take 16 MB \(2,097,152 values\), past the memory budget of 8 MB; raise it with --memory-budget/);
  });

  it('the CLI says so in one line with --memory-budget, within 2 GB', () => {
    const file = join(work, 'int8.onnx');
    writeFileSync(file, int8Model(1 << 22));
    const r = neurovis(file, 'info', 'FILE', '--memory-budget', '64MB');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('neurovis: int8.onnx: tensor "W0" [4, 4194304] of int8 would take 128 MB (16,777,216 values), past the memory budget of 64 MB; raise it with --memory-budget if the machine has the memory\n');
    expect(r.peak).toBeLessThan(2 * 1024 * MB);
  });
});

/* ------------------------------------------------------------------ TFLite */

describe('TFLite', () => {
  it('each constant is counted as it is decoded (a buffer shared by many tensors counts once per tensor)', () => {
    const bytes = new Uint8Array(readFileSync(join(root, 'test', 'fixtures', 'tflite', 'conv_f32.tflite')));
    setMemoryBudget(64);
    expect(errorOf('conv_f32.tflite', bytes)).toMatch(/^conv_f32\.tflite: FLOAT32 tensor ".*" \[[0-9, ]+\] would take 1 kB \([0-9,]+ values\), past the memory budget of 1 kB; raise it with --memory-budget/);
  });
});

import { ModelError, type QuantizationInfo } from '../../engine/graph';
import { sizeOf } from '../../engine/tensor';
import { checkBytes } from '../../engine/budget';
import type { InputFile } from '../types';
import type { KerasLayer } from './config';
import { isObject, type Json } from './json';
import type { WeightArray, WeightStore } from './weights';

interface ManifestWeight {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly min: number; readonly scale: number };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2 };
const MAX_VALUES = 1 << 29;

/** The file a manifest path names: its base name, matched against the dropped files. */
function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  const last = parts[parts.length - 1] ?? path;
  try {
    return decodeURIComponent(last);
  } catch {
    return last; // a malformed %-escape ('%E0%A4%A') is a name as written, not a URIError for the user
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x03ff;
  if (e === 0) return sign * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * 2 ** (e - 15) * (1 + f / 1024);
}

const lastPart = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/** The last part of a weight's owner: 'model/dense/kernel' → 'dense'. */
const ownerKey = (weight: string): string => lastPart(weight.slice(0, Math.max(weight.lastIndexOf('/'), 0)));

/** A byte range that may span shards: a view when it lies in one shard, else a copy. */
class ShardBytes {
  private readonly starts: number[] = [];
  readonly total: number;

  constructor(private readonly shards: readonly Uint8Array[]) {
    let at = 0;
    for (const s of shards) {
      this.starts.push(at);
      at += s.length;
    }
    this.total = at;
  }

  range(offset: number, length: number): Uint8Array {
    for (let i = 0; i < this.shards.length; i++) {
      const start = this.starts[i];
      const shard = this.shards[i];
      if (offset >= start && offset + length <= start + shard.length) return shard.subarray(offset - start, offset - start + length);
    }
    const out = new Uint8Array(length);
    for (let i = 0; i < this.shards.length; i++) {
      const start = this.starts[i];
      const shard = this.shards[i];
      const from = Math.max(offset, start);
      const to = Math.min(offset + length, start + shard.length);
      if (from < to) out.set(shard.subarray(from - start, to - start), from - offset);
    }
    return out;
  }
}

function decode(w: ManifestWeight, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = w.quantization;
  if (q) {
    const out = new Float32Array(count);
    if (q.dtype === 'float16') for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
    else if (q.dtype === 'uint8') for (let i = 0; i < count; i++) out[i] = q.min + q.scale * bytes[i];
    else for (let i = 0; i < count; i++) out[i] = q.min + q.scale * view.getUint16(2 * i, true);
    return out;
  }
  if (w.dtype === 'float32') {
    if ((bytes.byteOffset & 3) === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    return new Float32Array(bytes.slice().buffer);
  }
  const out = new Float32Array(count);
  if (w.dtype === 'int32') for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
  else for (let i = 0; i < count; i++) out[i] = bytes[i];
  return out;
}

function parseWeight(v: Json, where: string): ManifestWeight {
  if (!isObject(v) || typeof v.name !== 'string' || !Array.isArray(v.shape) || typeof v.dtype !== 'string') {
    throw new ModelError(`${where}: a weightsManifest entry lacks its name, shape or dtype`);
  }
  const shape = v.shape;
  if (shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) throw new ModelError(`${where}: weight "${v.name}" has shape ${JSON.stringify(shape)}`);
  let quantization: ManifestWeight['quantization'];
  if (isObject(v.quantization)) {
    const q = v.quantization;
    const dtype = typeof q.dtype === 'string' ? q.dtype : '';
    if (dtype !== 'uint8' && dtype !== 'uint16' && dtype !== 'float16') throw new ModelError(`${where}: weight "${v.name}" uses quantization "${dtype}"`);
    const min = typeof q.min === 'number' ? q.min : 0;
    const scale = typeof q.scale === 'number' ? q.scale : 1;
    quantization = { dtype, min, scale };
  }
  if (!quantization && !['float32', 'int32', 'bool'].includes(v.dtype)) throw new ModelError(`${where}: weight "${v.name}" has dtype "${v.dtype}"; Neurovis reads float32, int32 and bool weights (and uint8, uint16, float16 quantised ones)`);
  return { name: v.name, shape: shape as number[], dtype: v.dtype, quantization };
}

/**
 * Weights of a TF.js layers model: each manifest group's weights lie back to back in the
 * concatenation of its shards, in manifest order. Shards are matched to the dropped files
 * by base name; a missing shard or one shorter than the manifest needs is a clear error.
 */
export class TfjsWeights implements WeightStore {
  /** Weights by the last part of their owner ('block/conv' owns 'block/conv/kernel': key 'conv'). */
  private readonly byOwner = new Map<string, WeightArray[]>();
  private readonly named = new Map<string, { array: WeightArray; dtype: string }>();
  /** The quantised storage dtypes met ('uint8', 'uint16', 'float16'). */
  readonly quantized = new Set<string>();

  constructor(manifest: Json | undefined, files: readonly InputFile[], where: string) {
    if (manifest === undefined || manifest === null) return;
    if (!Array.isArray(manifest)) throw new ModelError(`${where}: weightsManifest is not a list`);
    const byName = new Map(files.map((f) => [baseName(f.name), f]));
    const listed = new Set<string>();
    let decodedValues = 0;
    for (const group of manifest) {
      if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new ModelError(`${where}: a weightsManifest group lacks its paths or weights`);
      const shards = group.paths.map((p) => {
        if (typeof p !== 'string') throw new ModelError(`${where}: a shard path is not a string`);
        const file = byName.get(baseName(p));
        if (!file) throw new ModelError(`${where}: weight file "${baseName(p)}" is missing; drop it together with ${baseName(where)}`);
        // A shard listed again would make its bytes count twice (a small file read as a huge one).
        if (listed.has(baseName(p))) throw new ModelError(`${where}: weight file "${baseName(p)}" is listed more than once in weightsManifest`);
        listed.add(baseName(p));
        return file.bytes;
      });
      const bytes = new ShardBytes(shards);
      let offset = 0;
      for (const raw of group.weights) {
        const w = parseWeight(raw, where);
        const count = sizeOf(w.shape);
        if (count > MAX_VALUES) throw new ModelError(`${where}: weight "${w.name}" declares ${count} values`);
        decodedValues += count;
        checkBytes(where, `the weights up to "${w.name}" (float32)`, decodedValues, 4);
        const size = count * BYTES[w.quantization?.dtype ?? w.dtype];
        if (offset + size > bytes.total) {
          throw new ModelError(`${where}: weight files ${group.paths.join(', ')} hold ${bytes.total} bytes; the manifest needs at least ${offset + size} (truncated or wrong shard)`);
        }
        const at = offset;
        const array: WeightArray = { name: w.name, shape: w.shape, read: () => decode(w, bytes.range(at, size), count) };
        const owner = ownerKey(w.name);
        let bucket = this.byOwner.get(owner);
        if (!bucket) this.byOwner.set(owner, (bucket = []));
        bucket.push(array);
        this.named.set(w.name, { array, dtype: w.dtype });
        if (w.quantization) this.quantized.add(w.quantization.dtype);
        offset += size;
      }
    }
  }

  /** Weights named '<layer>/<role>' (or '…/<layer>/<role>' inside nested models), in manifest order. */
  layer(layer: KerasLayer): WeightArray[] {
    return (this.byOwner.get(lastPart(layer.name)) ?? []).filter((a) => {
      const owner = a.name.slice(0, Math.max(a.name.lastIndexOf('/'), 0));
      return owner === layer.name || owner.endsWith(`/${layer.name}`);
    });
  }

  nested(): WeightStore {
    return this;
  }

  /** How the manifest stores weights below float32, for Graph.quantization; undefined when it does not. */
  quantization(): QuantizationInfo | undefined {
    if (this.quantized.size === 0) return undefined;
    const kinds = [...this.quantized].sort();
    const integer = kinds.filter((k) => k !== 'float16');
    const parts = [integer.length > 0 ? `${integer.join(' and ')} weights (min + scale·q per tensor)` : '', kinds.includes('float16') ? 'float16 weights' : ''];
    return { scheme: 'tfjs-weights', description: `${parts.filter((p) => p).join(', ')}, analysed dequantised to float32` };
  }

  /** A weight by its manifest name (a graph model's Const node) and the dtype it stands for. */
  byName(name: string): { array: WeightArray; dtype: string } | undefined {
    return this.named.get(name);
  }
}

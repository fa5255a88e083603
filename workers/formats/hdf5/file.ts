import { spendBytes } from '../../engine/budget';
import { Bytes, Hdf5Error, UNDEFINED_ADDRESS } from './bytes';
import type { FileContext } from './context';
import { collectBtree2Records, collectGroupEntries } from './btree';
import { checkFiltersSupported, copyChunk, listChunks, MAX_DEFLATE_RATIO, unfilter } from './chunks';
import { toFloat32, toNumbers, toStrings } from './decode';
import { FractalHeap, GlobalHeap, LocalHeap } from './heaps';
import {
  describeDatatype,
  elementCount,
  messageData,
  parseAttribute,
  parseDataspace,
  parseDatatype,
  parseDenseStorage,
  parseFilters,
  parseLayout,
  parseLink,
  type AttributeMessage,
  type Datatype,
  type Filter,
  type Layout,
} from './messages';
import { findMessage, findMessages, MSG, readObjectHeader, type ObjectHeader } from './object-header';
import { readSuperblock } from './superblock';

/** More values than this in one dataset is refused before anything is allocated. */
export const MAX_DATASET_VALUES = 1 << 29;

/** An attribute's value: strings or numbers, with its dimensions (null: the null dataspace). */
export type AttributeValue =
  | { readonly kind: 'strings'; readonly dims: readonly number[] | null; readonly values: readonly string[] }
  | { readonly kind: 'numbers'; readonly dims: readonly number[] | null; readonly values: readonly number[] };

class Shared {
  readonly globalHeap: GlobalHeap;
  readonly headers = new Map<number, ObjectHeader>();

  constructor(readonly ctx: FileContext) {
    this.globalHeap = new GlobalHeap(ctx);
  }

  header(position: number): ObjectHeader {
    let h = this.headers.get(position);
    if (!h) {
      h = readObjectHeader(this.ctx, position);
      this.headers.set(position, h);
    }
    return h;
  }
}

abstract class Hdf5Object {
  private attributeCache: Map<string, AttributeMessage> | undefined;

  constructor(
    protected readonly shared: Shared,
    readonly path: string,
    protected readonly header: ObjectHeader,
  ) {}

  /** Every attribute, from the object header and, when there are many, its dense storage. */
  attributeMessages(): Map<string, AttributeMessage> {
    if (this.attributeCache) return this.attributeCache;
    const { ctx } = this.shared;
    const out = new Map<string, AttributeMessage>();
    for (const msg of findMessages(this.header, MSG.attribute)) {
      const m = messageData(ctx, msg);
      const a = parseAttribute(ctx, m.offset, m.offset + m.size);
      out.set(a.name, a);
    }
    const info = findMessage(this.header, MSG.attributeInfo);
    if (info) {
      const dense = parseDenseStorage(ctx, info, 2);
      if (dense.heap !== UNDEFINED_ADDRESS && dense.nameIndex !== UNDEFINED_ADDRESS) {
        const heap = new FractalHeap(ctx, dense.heap);
        collectBtree2Records(ctx, dense.nameIndex, (at, type) => {
          if (type !== 8) throw new Hdf5Error(`attribute name index has record type ${type}`);
          const object = heap.object(ctx.bytes.bytes(at, heap.heapIdLength, 'heap ID'));
          const start = positionIn(ctx, object);
          const a = parseAttribute(ctx, start, start + object.length);
          out.set(a.name, a);
        });
      }
    }
    this.attributeCache = out;
    return out;
  }

  attributeNames(): string[] {
    return [...this.attributeMessages().keys()];
  }

  attribute(name: string): AttributeValue | undefined {
    const a = this.attributeMessages().get(name);
    if (!a) return undefined;
    const count = elementCount(a.dims);
    if (a.type.kind === 'string' || a.type.kind === 'vlen-string') {
      return { kind: 'strings', dims: a.dims, values: toStrings(this.shared.ctx, this.shared.globalHeap, a.type, a.data, count) };
    }
    if (a.type.kind === 'int' || a.type.kind === 'float') return { kind: 'numbers', dims: a.dims, values: toNumbers(a.type, a.data, count) };
    throw new Hdf5Error(`attribute "${name}" of ${this.path} has type ${describeDatatype(a.type)}`);
  }
}

/** Position in the file of bytes returned by a heap (always a view of the file's bytes). */
function positionIn(ctx: FileContext, view: Uint8Array): number {
  const data = ctx.bytes.data;
  const at = view.byteOffset - data.byteOffset;
  if (view.buffer !== data.buffer || at < 0 || at + view.length > data.length) throw new Hdf5Error('heap object outside the file');
  return at;
}

export class Hdf5Group extends Hdf5Object {
  private memberCache: Map<string, number> | undefined;

  /** Member names and the absolute positions of their object headers. */
  members(): Map<string, number> {
    if (this.memberCache) return this.memberCache;
    const { ctx } = this.shared;
    const out = new Map<string, number>();
    const table = findMessage(this.header, MSG.symbolTable);
    if (table) {
      const btree = ctx.address(table.offset);
      const heap = new LocalHeap(ctx, ctx.at(ctx.address(table.offset + ctx.offsetSize), 'local heap'));
      for (const e of collectGroupEntries(ctx, btree)) {
        if (e.address !== UNDEFINED_ADDRESS) out.set(heap.string(e.nameOffset), ctx.at(e.address, 'group member'));
      }
    }
    for (const msg of findMessages(this.header, MSG.link)) {
      const link = parseLink(ctx, msg.offset);
      if (link.address !== undefined && link.address !== UNDEFINED_ADDRESS) out.set(link.name, ctx.at(link.address, 'group member'));
    }
    const info = findMessage(this.header, MSG.linkInfo);
    if (info) {
      const dense = parseDenseStorage(ctx, info, 8);
      if (dense.heap !== UNDEFINED_ADDRESS && dense.nameIndex !== UNDEFINED_ADDRESS) {
        const heap = new FractalHeap(ctx, dense.heap);
        collectBtree2Records(ctx, dense.nameIndex, (at, type) => {
          if (type !== 5) throw new Hdf5Error(`link name index has record type ${type}`);
          const object = heap.object(ctx.bytes.bytes(at + 4, heap.heapIdLength, 'heap ID'));
          const link = parseLink(ctx, positionIn(ctx, object));
          if (link.address !== undefined && link.address !== UNDEFINED_ADDRESS) out.set(link.name, ctx.at(link.address, 'group member'));
        });
      }
    }
    this.memberCache = out;
    return out;
  }

  keys(): string[] {
    return [...this.members().keys()];
  }

  /** The object at a relative path ('a/b/c'); undefined when any step is missing. */
  get(path: string): Hdf5Group | Hdf5Dataset | undefined {
    const parts = path.split('/').filter((p) => p !== '');
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk starts at this group
    let current: Hdf5Group | Hdf5Dataset = this;
    for (const part of parts) {
      if (!(current instanceof Hdf5Group)) return undefined;
      const position = current.members().get(part);
      if (position === undefined) return undefined;
      current = openObject(this.shared, position, `${current.path === '/' ? '' : current.path}/${part}`);
    }
    return current;
  }

  group(path: string): Hdf5Group | undefined {
    const o = this.get(path);
    return o instanceof Hdf5Group ? o : undefined;
  }

  dataset(path: string): Hdf5Dataset | undefined {
    const o = this.get(path);
    return o instanceof Hdf5Dataset ? o : undefined;
  }
}

export class Hdf5Dataset extends Hdf5Object {
  readonly dims: readonly number[];
  readonly type: Datatype;
  private readonly layout: Layout;
  private readonly filters: readonly Filter[];

  constructor(shared: Shared, path: string, header: ObjectHeader) {
    super(shared, path, header);
    const { ctx } = shared;
    const space = findMessage(header, MSG.dataspace);
    const type = findMessage(header, MSG.datatype);
    const layout = findMessage(header, MSG.layout);
    if (!space || !type || !layout) throw new Hdf5Error(`dataset ${path} lacks its dataspace, datatype or layout`);
    this.dims = parseDataspace(ctx, messageData(ctx, space).offset) ?? [];
    this.type = parseDatatype(ctx.bytes, messageData(ctx, type).offset);
    this.layout = parseLayout(ctx, layout);
    const filters = findMessage(header, MSG.filters);
    this.filters = filters ? parseFilters(ctx, messageData(ctx, filters)) : [];
  }

  get size(): number {
    return elementCount(this.dims);
  }

  /** The dataset's bytes in C order; a view of the file when stored contiguously. */
  private raw(): Uint8Array {
    const { ctx } = this.shared;
    const count = this.size;
    const elementSize = this.type.size;
    if (count > MAX_DATASET_VALUES) throw new Hdf5Error(`dataset ${this.path} declares ${count} values [${this.dims.join(', ')}]`);
    const total = count * elementSize;
    if (total === 0) return new Uint8Array(0);
    const layout = this.layout;
    if (layout.kind === 'compact') {
      if (layout.data.length < total) throw new Hdf5Error(`dataset ${this.path} holds ${layout.data.length} bytes, ${total} expected`);
      return layout.data.subarray(0, total);
    }
    if (layout.kind === 'contiguous') {
      if (this.filters.length > 0) throw new Hdf5Error(`contiguous dataset ${this.path} has filters`);
      if (layout.address === UNDEFINED_ADDRESS) throw new Hdf5Error(`dataset ${this.path} holds no data`);
      return ctx.bytes.bytes(ctx.at(layout.address, `dataset ${this.path}`), total, `dataset ${this.path}`);
    }
    checkFiltersSupported(this.filters);
    const { chunk } = layout;
    if (chunk.length !== this.dims.length) throw new Hdf5Error(`dataset ${this.path} has rank ${this.dims.length} but chunks of rank ${chunk.length}`);
    const chunkBytes = chunk.reduce((a, b) => a * b, 1) * elementSize;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes > MAX_DATASET_VALUES * 8) throw new Hdf5Error(`dataset ${this.path} has chunks of [${chunk.join(', ')}]`);
    const compressed = this.filters.some((f) => f.id === 1);
    const limit = ctx.bytes.length * (compressed ? MAX_DEFLATE_RATIO : 1);
    if (total > limit) throw new Hdf5Error(`dataset ${this.path} declares ${total} bytes, more than the ${ctx.bytes.length}-byte file can hold`);
    const chunks = listChunks(ctx, layout.index, this.dims, chunk, chunkBytes, this.filters.length > 0);
    // The whole dataset and one decompressed chunk are held at once.
    spendBytes('', `dataset ${this.path} [${this.dims.join(', ')}] of ${describeDatatype(this.type)}`, count, elementSize);
    spendBytes('', `a decompressed chunk [${chunk.join(', ')}] of dataset ${this.path}`, chunkBytes, 1);
    const out = new Uint8Array(total);
    for (const c of chunks) {
      ctx.budget.spend(1, 'chunks');
      const stored = ctx.bytes.bytes(ctx.at(c.address, 'chunk'), c.size, `chunk of ${this.path}`);
      const data = this.filters.length > 0 ? unfilter(stored, this.filters, c.filterMask, chunkBytes, elementSize) : stored;
      if (data.length < chunkBytes) throw new Hdf5Error(`chunk of ${this.path} holds ${data.length} bytes, ${chunkBytes} expected`);
      copyChunk(out, this.dims, data, chunk, c.offsets, elementSize);
    }
    return out;
  }

  /** Values as float32 (floats of any width, integers); a view of the file when possible. */
  readFloat32(): Float32Array {
    const raw = this.raw();
    const asIs = this.type.kind === 'float' && this.type.size === 4 && !this.type.bigEndian;
    if (!asIs) spendBytes('', `dataset ${this.path} [${this.dims.join(', ')}] as float32`, this.size, 4);
    return toFloat32(this.type, raw, this.size);
  }

  readStrings(): string[] {
    return toStrings(this.shared.ctx, this.shared.globalHeap, this.type, this.raw(), this.size);
  }
}

function openObject(shared: Shared, position: number, path: string): Hdf5Group | Hdf5Dataset {
  const header = shared.header(position);
  if (findMessage(header, MSG.layout)) return new Hdf5Dataset(shared, path, header);
  return new Hdf5Group(shared, path, header);
}

/** An HDF5 file read in place from its bytes. */
export class Hdf5File {
  readonly root: Hdf5Group;
  readonly superblockVersion: number;

  constructor(data: Uint8Array) {
    const superblock = readSuperblock(new Bytes(data));
    this.superblockVersion = superblock.version;
    const shared = new Shared(superblock.context);
    const root = openObject(shared, superblock.rootHeader, '/');
    if (!(root instanceof Hdf5Group)) throw new Hdf5Error('the root object is not a group');
    this.root = root;
  }
}

import { Hdf5Error } from './bytes';
import type { FileContext } from './context';

/** Header message types used here (HDF5 File Format Specification §IV.A.2). */
export const MSG = {
  dataspace: 0x01,
  linkInfo: 0x02,
  datatype: 0x03,
  layout: 0x08,
  groupInfo: 0x0a,
  filters: 0x0b,
  attribute: 0x0c,
  link: 0x06,
  continuation: 0x10,
  symbolTable: 0x11,
  attributeInfo: 0x15,
} as const;

export interface HeaderMessage {
  readonly type: number;
  readonly flags: number;
  /** Absolute position of the message's data. */
  readonly offset: number;
  readonly size: number;
}

export interface ObjectHeader {
  /** Absolute position of the header. */
  readonly position: number;
  readonly messages: readonly HeaderMessage[];
}

/** Bit 1 of a message's flags: the message is stored elsewhere and this is a pointer to it. */
export const SHARED_FLAG = 0x02;

const MAX_MESSAGES = 100_000;

export function readObjectHeader(ctx: FileContext, position: number): ObjectHeader {
  const bytes = ctx.bytes;
  ctx.budget.spend(1, 'object headers');
  const messages: HeaderMessage[] = [];
  const blocks: { start: number; end: number }[] = [];
  const seen = new Set<number>();
  if (bytes.signature(position, 'OHDR')) {
    const version = bytes.u8(position + 4);
    if (version !== 2) throw new Hdf5Error(`object header at ${position} has version ${version}`);
    const flags = bytes.u8(position + 5);
    let p = position + 6;
    if (flags & 0x20) p += 16;
    if (flags & 0x10) p += 4;
    const sizeBytes = 1 << (flags & 0x03);
    const chunkSize = bytes.uint(p, sizeBytes);
    p += sizeBytes;
    bytes.check(p, chunkSize + 4, 'object header');
    blocks.push({ start: p, end: p + chunkSize });
    readV2Messages(ctx, blocks, messages, seen, flags);
  } else {
    const version = bytes.u8(position);
    if (version !== 1) throw new Hdf5Error(`object header at ${position} has unknown version ${version}`);
    const size = bytes.u32(position + 8);
    const start = position + 16;
    bytes.check(start, size, 'object header');
    blocks.push({ start, end: start + size });
    readV1Messages(ctx, blocks, messages, seen);
  }
  return { position, messages };
}

function continuationOf(ctx: FileContext, msg: HeaderMessage): { start: number; length: number } {
  const address = ctx.address(msg.offset);
  const length = ctx.length(msg.offset + ctx.offsetSize);
  const start = ctx.at(address, 'header continuation');
  ctx.bytes.check(start, length, 'header continuation');
  return { start, length };
}

function readV1Messages(ctx: FileContext, blocks: { start: number; end: number }[], messages: HeaderMessage[], seen: Set<number>): void {
  const bytes = ctx.bytes;
  for (let b = 0; b < blocks.length; b++) {
    const { start, end } = blocks[b];
    let p = start;
    while (p + 8 <= end) {
      ctx.budget.spend(1, 'header messages');
      const type = bytes.u16(p);
      const size = bytes.u16(p + 2);
      const flags = bytes.u8(p + 4);
      const offset = p + 8;
      if (offset + size > end) throw new Hdf5Error(`header message at ${p} runs past its block`);
      const msg = { type, flags, offset, size };
      if (type === MSG.continuation) {
        const c = continuationOf(ctx, msg);
        if (!seen.has(c.start)) {
          seen.add(c.start);
          blocks.push({ start: c.start, end: c.start + c.length });
        }
      } else if (type !== 0) {
        messages.push(msg);
      }
      if (messages.length > MAX_MESSAGES) throw new Hdf5Error('object header has too many messages');
      p = offset + size;
    }
  }
}

function readV2Messages(ctx: FileContext, blocks: { start: number; end: number }[], messages: HeaderMessage[], seen: Set<number>, headerFlags: number): void {
  const bytes = ctx.bytes;
  const headerSize = headerFlags & 0x04 ? 6 : 4;
  for (let b = 0; b < blocks.length; b++) {
    const { start, end } = blocks[b];
    let p = start;
    while (p + headerSize <= end) {
      ctx.budget.spend(1, 'header messages');
      const type = bytes.u8(p);
      const size = bytes.u16(p + 1);
      const flags = bytes.u8(p + 3);
      const offset = p + headerSize;
      if (offset + size > end) throw new Hdf5Error(`header message at ${p} runs past its block`);
      const msg = { type, flags, offset, size };
      if (type === MSG.continuation) {
        const c = continuationOf(ctx, msg);
        if (!seen.has(c.start)) {
          seen.add(c.start);
          if (!bytes.signature(c.start, 'OCHK')) throw new Hdf5Error(`header continuation at ${c.start} lacks its "OCHK" signature`);
          // Signature before, checksum after the messages.
          blocks.push({ start: c.start + 4, end: c.start + c.length - 4 });
        }
      } else if (type !== 0) {
        messages.push(msg);
      }
      if (messages.length > MAX_MESSAGES) throw new Hdf5Error('object header has too many messages');
      p = offset + size;
    }
  }
}

export function findMessage(header: ObjectHeader, type: number): HeaderMessage | undefined {
  return header.messages.find((m) => m.type === type);
}

export function findMessages(header: ObjectHeader, type: number): HeaderMessage[] {
  return header.messages.filter((m) => m.type === type);
}

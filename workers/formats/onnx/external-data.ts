// The external data files an ONNX model names (TensorProto.external_data
// `location`), found by walking just enough of the protobuf wire format:
// ModelProto.graph → GraphProto.{initializer, sparse_initializer, node.attribute}
// (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto). Everything else is skipped by length.

import { ModelError } from '../../engine/graph';
import { WIRE_LENGTH, WireReader } from './wire';

const MAX_DEPTH = 16;

interface Field {
  number: number;
  /** For length-delimited fields: the payload. */
  bytes?: Uint8Array;
}

/** The top-level fields of a message, through the ONNX reader's bounds-checked wire decoder. */
function* fields(buf: Uint8Array): Generator<Field> {
  const r = WireReader.whole(buf, 'model');
  while (!r.done()) {
    const key = r.tag();
    const number = key >>> 3;
    const wireType = key & 7;
    if (wireType === WIRE_LENGTH) {
      yield { number, bytes: r.bytesField() };
    } else {
      r.skip(wireType);
      yield { number };
    }
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function tensorLocations(tensor: Uint8Array, out: Set<string>): void {
  for (const f of fields(tensor)) {
    if (f.number !== 13 || !f.bytes) continue; // external_data: StringStringEntryProto
    let key = '';
    let value = '';
    for (const entry of fields(f.bytes)) {
      if (entry.number === 1 && entry.bytes) key = decoder.decode(entry.bytes);
      if (entry.number === 2 && entry.bytes) value = decoder.decode(entry.bytes);
    }
    if (key === 'location' && value !== '') out.add(value);
  }
}

function graphLocations(graph: Uint8Array, out: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const f of fields(graph)) {
    if (!f.bytes) continue;
    if (f.number === 5) tensorLocations(f.bytes, out); // initializer
    else if (f.number === 15) {
      // sparse_initializer: values (1) and indices (2) are TensorProtos
      for (const part of fields(f.bytes)) if ((part.number === 1 || part.number === 2) && part.bytes) tensorLocations(part.bytes, out);
    } else if (f.number === 1) {
      // node → attribute (5) → t (5), g (6), tensors (10), graphs (11)
      for (const nodeField of fields(f.bytes)) {
        if (nodeField.number !== 5 || !nodeField.bytes) continue;
        for (const attr of fields(nodeField.bytes)) {
          if (!attr.bytes) continue;
          if (attr.number === 5 || attr.number === 10) tensorLocations(attr.bytes, out);
          else if (attr.number === 6 || attr.number === 11) graphLocations(attr.bytes, out, depth + 1);
        }
      }
    }
  }
}

/**
 * The `location`s of the external data an ONNX model refers to, in first-seen
 * order. Bytes that are not a well-formed ModelProto give an empty list: the
 * reader in the worker reports what is wrong with the file itself.
 */
export function onnxExternalDataLocations(model: Uint8Array): string[] {
  const out = new Set<string>();
  try {
    for (const f of fields(model)) if (f.number === 7 && f.bytes) graphLocations(f.bytes, out, 0);
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
  }
  return [...out];
}

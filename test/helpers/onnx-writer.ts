// A minimal protobuf writer, enough of onnx.proto to build models byte by byte in tests
// (bombs, malformed nodes). Parts are byte arrays, so megabyte payloads need no spreading.
type Part = Uint8Array | readonly number[];

export function concat(...parts: Part[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

export const int = (field: number, n: number): Uint8Array => concat(varint(field << 3), varint(n));
export const bytes = (field: number, ...payload: Part[]): Uint8Array => {
  const body = concat(...payload);
  return concat(varint((field << 3) | 2), varint(body.length), body);
};
export const text = (field: number, s: string): Uint8Array => bytes(field, new TextEncoder().encode(s));

export const ONNX = { FLOAT: 1, INT8: 3, INT64: 7 } as const;

/** A ValueInfoProto of a float tensor. */
export function valueInfo(name: string, dims: readonly number[]): Uint8Array {
  const shape = concat(...dims.map((d) => bytes(1, int(1, d))));
  return concat(text(1, name), bytes(2, bytes(1, int(1, ONNX.FLOAT), bytes(2, shape))));
}

/** A TensorProto whose values are given as raw_data. */
export function rawTensor(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): Uint8Array {
  return concat(...dims.map((d) => int(1, d)), int(2, dataType), text(8, name), bytes(9, raw));
}

/** A NodeProto. */
export function node(op: string, name: string, inputs: readonly string[], outputs: readonly string[], ...attributes: Uint8Array[]): Uint8Array {
  return concat(...inputs.map((i) => text(1, i)), ...outputs.map((o) => text(2, o)), text(3, name), text(4, op), ...attributes.map((a) => bytes(5, a)));
}

/** A ModelProto (IR 8, opset 13) of one graph: nodes, initialisers, one input and one output. */
export function model(nodes: readonly Uint8Array[], initialisers: readonly Uint8Array[], input: Uint8Array, output: Uint8Array): Uint8Array {
  const graph = concat(...nodes.map((n) => bytes(1, n)), text(2, 'g'), ...initialisers.map((t) => bytes(5, t)), bytes(11, input), bytes(12, output));
  return concat(int(1, 8), bytes(8, int(2, 13)), bytes(7, graph));
}

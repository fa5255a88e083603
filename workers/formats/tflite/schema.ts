import { FlatFile, type Table } from './flatbuffer';

/**
 * The parts of TensorFlow Lite's schema (tensorflow/compiler/mlir/lite/schema/schema.fbs)
 * that Neurovis reads, as plain objects. Field ids are the schema's declaration order.
 */

/** TensorType: name and size in bytes of one element (0: not a numeric tensor). */
export const TENSOR_TYPES: readonly (readonly [string, number])[] = [
  ['FLOAT32', 4], ['FLOAT16', 2], ['INT32', 4], ['UINT8', 1], ['INT64', 8], ['STRING', 0], ['BOOL', 1], ['INT16', 2],
  ['COMPLEX64', 8], ['INT8', 1], ['FLOAT64', 8], ['COMPLEX128', 16], ['UINT64', 8], ['RESOURCE', 0], ['VARIANT', 0],
  ['UINT32', 4], ['UINT16', 2], ['INT4', 0], ['BFLOAT16', 2],
];

export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, INT16: 7, INT8: 9 } as const;

export function typeName(type: number): string {
  return TENSOR_TYPES[type]?.[0] ?? `type ${type}`;
}

/** BuiltinOperator names by code, for messages (schema.fbs, up to COMPLEX = 207). */
const OP_NAMES = (
  'ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED ' +
  'HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU ' +
  'RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM ' +
  'EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV ' +
  'SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE ' +
  'BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE ' +
  'SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT ' +
  'REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ' +
  'ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL ' +
  'REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF ' +
  'WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL ' +
  'PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS HASHTABLE ' +
  'HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE ' +
  'BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1 ' +
  'UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR RIGHT_SHIFT'
).split(' ');

/** The name of a builtin operator code, e.g. "CONV_2D". */
export function opName(code: number): string {
  if (code >= 162 && code <= 202) return `STABLEHLO op ${code}`;
  return OP_NAMES[code] ?? ['DILATE', 'STABLEHLO_RNG_BIT_GENERATOR', 'REDUCE_WINDOW', 'STABLEHLO_COMPOSITE', 'COMPLEX'][code - 203] ?? `builtin op ${code}`;
}

export interface Quantization {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  /** The axis the scales run along when there is more than one. */
  readonly axis: number;
}

export interface TflTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  /** shape_signature when present: -1 marks a dimension that varies (the batch). */
  readonly signature?: readonly number[];
  readonly type: number;
  readonly buffer: number;
  readonly quantization?: Quantization;
  readonly sparse: boolean;
}

export interface TflOperator {
  readonly index: number;
  /** The builtin code (the larger of builtin_code and deprecated_builtin_code), or CUSTOM. */
  readonly code: number;
  readonly customCode?: string;
  /** Tensor indices; -1 marks an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly optionsType: number;
  readonly options?: Table;
}

export interface TflSubgraph {
  readonly name: string;
  readonly tensors: readonly TflTensor[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly TflOperator[];
}

export interface TflModel {
  readonly version: number;
  readonly description: string;
  readonly subgraphs: readonly TflSubgraph[];
  /** The bytes of buffer `index` (empty for the sentinel and for tensors computed at run time). */
  buffer(index: number, what: string): Uint8Array;
  readonly bufferCount: number;
}

const list = (name: string) => (i: number): string => (i < 0 ? `the list of ${name}` : `${name.replace(/s$/, '')} ${i}`);

function readQuantization(t: Table | undefined): Quantization | undefined {
  if (!t) return undefined;
  const scale = t.float32s(2, 'quantization scales');
  if (scale.length === 0) return undefined;
  const zeroPoint = t.int64s(3, 'quantization zero points');
  return { scale, zeroPoint: zeroPoint.length > 0 ? zeroPoint : [0], axis: t.int32(6, 0) };
}

function readTensor(t: Table, index: number): TflTensor {
  const signature = t.int32s(7, `shape signature of tensor ${index}`);
  return {
    index,
    name: t.string(3, `name of tensor ${index}`) ?? '',
    shape: t.int32s(0, `shape of tensor ${index}`),
    signature: signature.length > 0 ? signature : undefined,
    type: t.int8(1, 0),
    buffer: t.uint32(2, 0),
    quantization: readQuantization(t.table(4, `quantization of tensor ${index}`)),
    sparse: t.has(6),
  };
}

function readOperator(t: Table, index: number, codes: readonly { code: number; custom?: string }[], file: FlatFile): TflOperator {
  const opcode = t.uint32(0, 0);
  const c = codes[opcode] ?? file.fail(`operator ${index} uses operator code ${opcode}; the file lists ${codes.length}`);
  return {
    index,
    code: c.code,
    customCode: c.custom,
    inputs: t.int32s(1, `inputs of operator ${index}`),
    outputs: t.int32s(2, `outputs of operator ${index}`),
    optionsType: t.uint8(3, 0),
    options: t.table(4, `options of operator ${index}`),
  };
}

function readSubgraph(t: Table, index: number, codes: readonly { code: number; custom?: string }[], file: FlatFile): TflSubgraph {
  const tensors = t.tables(0, list('tensors')).map(readTensor);
  // Only an operator's inputs may be -1 (an omitted optional input).
  const inRange = (what: string, min = 0) => (i: number): number => (i >= min && i < tensors.length ? i : file.fail(`${what} refers to tensor ${i}; subgraph ${index} has ${tensors.length}`));
  const operators = t.tables(3, list('operators')).map((op, i) => readOperator(op, i, codes, file));
  for (const op of operators) {
    op.inputs.forEach(inRange(`an input of operator ${op.index}`, -1));
    op.outputs.forEach(inRange(`an output of operator ${op.index}`));
  }
  return {
    name: t.string(4, `name of subgraph ${index}`) ?? '',
    tensors,
    inputs: t.int32s(1, 'subgraph inputs').map(inRange('a subgraph input')),
    outputs: t.int32s(2, 'subgraph outputs').map(inRange('a subgraph output')),
    operators,
  };
}

/** Reads the model's tables (not yet its weights: buffers are read when a tensor needs them). */
export function readTflModel(bytes: Uint8Array, fileName: string): TflModel {
  const file = new FlatFile(bytes, fileName);
  const root = file.root('the model table');
  const codes = root.tables(1, list('operator codes')).map((c) => {
    // Codes below 127 may sit only in the old byte field; newer ones only in builtin_code.
    const code = Math.max(c.int8(0, 0), c.int32(3, 0));
    return { code, custom: c.string(1, 'custom operator name') };
  });
  const subgraphs = root.tables(2, list('subgraphs')).map((s, i) => readSubgraph(s, i, codes, file));
  const buffers = root.tables(4, list('buffers'));
  return {
    version: root.uint32(0, 0),
    description: root.string(3, 'the model description') ?? '',
    subgraphs,
    bufferCount: buffers.length,
    buffer(index: number, what: string): Uint8Array {
      if (index === 0) return new Uint8Array(0);
      const b = buffers[index] ?? file.fail(`${what} refers to buffer ${index}; the file has ${buffers.length}`);
      const data = b.bytes(0, `the data of buffer ${index} (${what})`);
      if (data && data.length > 0) return data;
      // Files over 2 GB keep buffers after the FlatBuffer, at an offset from the file's start.
      const offset = b.uint64(1, 0);
      const size = b.uint64(2, 0);
      if (offset <= 1) return new Uint8Array(0);
      file.check(offset, size, `the data of buffer ${index} (${what})`);
      return bytes.subarray(offset, offset + size);
    },
  };
}

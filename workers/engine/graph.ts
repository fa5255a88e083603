import type { DType, Tensor } from './tensor';

/** An attribute value as ONNX defines them; int64 attributes are plain numbers. */
export type AttrValue = number | string | number[] | string[] | Tensor | Graph;

export interface GraphNode {
  /** Unique name (readers invent one, from the op type and index, when the file has none). */
  readonly name: string;
  readonly opType: string;
  /** Input tensor names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** A graph input. Dimensions are numbers, symbolic names, or null when unknown. */
export interface ValueInfo {
  readonly name: string;
  readonly dims: readonly (number | string | null)[];
  readonly dtype: DType;
}

export type ModelFormat = 'onnx' | 'keras' | 'tfjs' | 'numpy' | 'neurovis' | 'tflite';

/** How the model's input is laid out (DESIGN.md §4 manifest `inputLayout`). */
export type InputLayout = 'NCHW' | 'NHWC' | 'NCW' | 'NWC' | 'flat';

/** How a quantised model was quantised, for the UI and the manifest (`quantized`). */
export interface QuantizationInfo {
  /** e.g. 'onnx-qoperator', 'onnx-qdq', 'tflite', 'tfjs-weights'. */
  readonly scheme: string;
  /** One line for people, e.g. "uint8 activations, int8 per-channel weights". */
  readonly description: string;
}

export interface ModelSource {
  readonly format: ModelFormat;
  readonly fileName: string;
  /** Who wrote the file and with which version, e.g. "pytorch 2.1", "keras 2.4.0". */
  readonly producer?: string;
  readonly opset?: number;
  /** Free-form notes a reader wants the user to see (orientation chosen, layers folded …). */
  readonly notes?: readonly string[];
}

export interface Graph {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly string[];
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** Nodes in the file's order; need not be topologically sorted. */
  readonly nodes: readonly GraphNode[];
  readonly source: ModelSource;
  /**
   * Whether the first input dimension is a batch dimension (stripped from neuron and
   * input shapes). Readers set it; ONNX files with rank >= 2 inputs have one.
   */
  readonly hasBatchDim: boolean;
  /** 'last' for channels-last models (Keras, TF.js): channels are the last feature axis. */
  readonly channelAxis: 'first' | 'last';
  /**
   * Explicit layer tensors, when the format defines its own layers (Keras, TF.js: one per
   * Keras layer). Otherwise every non-reshape node output is a layer (DESIGN.md §2).
   */
  readonly layerTensors?: readonly { readonly tensor: string; readonly name: string; readonly op: string }[];
  /** The input layout the format or file states (channels-last Keras/TF.js/TFLite, an NHWC ONNX input …). */
  readonly inputLayout?: InputLayout;
  /** The input's value range where the model states it (TFLite input quantisation, Teachable Machine metadata). */
  readonly inputRange?: readonly [number, number];
  /** Class names of the model's output neurons, where the file or a companion (metadata.json, labels.txt) gives them. */
  readonly labels?: readonly string[];
  /**
   * Exceptions to the layer rule (DESIGN.md §2) from readers that rewrite ops: per tensor, the op
   * name its layer shows, or null when it is no layer of its own (a quantised op read as a float
   * op and a Clip: the float value before the Clip is not a layer; the Clip's output shows "QLinearConv").
   */
  readonly layerOps?: ReadonlyMap<string, string | null>;
  /** Set when the file was quantised; the graph itself holds the dequantised (float) network. */
  readonly quantization?: QuantizationInfo;
}

/** An error about a user's file or settings: the message is shown as is. */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

/**
 * The words of anything thrown: an Error's message, a thrown string, an object's message
 * field; never "[object Object]" or a bare "undefined".
 */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e === undefined || e === null) return 'an error without a message';
  if (typeof e === 'object') {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
    try {
      const json = JSON.stringify(e);
      if (json && json !== '{}') return `an unexpected error ${json.slice(0, 200)}`;
    } catch {
      // a cycle: fall through
    }
    return 'an unexpected error without a message';
  }
  return String(e);
}

/** A name read from a file, fit for a one-line message: control characters written as \uXXXX. */
export function printable(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An op type the engine does not know, named with its node. */
export class UnsupportedOpError extends ModelError {
  constructor(readonly opType: string, readonly nodeName: string, detail = '') {
    super(`unsupported op ${printable(opType)} at node "${printable(nodeName)}"${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedOpError';
  }
}

export function attrNumber(node: GraphNode, name: string, fallback: number): number {
  const v = node.attrs[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new ModelError(`node "${node.name}" (${node.opType}): attribute ${name} must be a number`);
  return v;
}

export function attrNumbers(node: GraphNode, name: string, fallback: readonly number[] | undefined): number[] | undefined {
  const v = node.attrs[name];
  if (v === undefined) return fallback === undefined ? undefined : [...fallback];
  if (typeof v === 'number') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
    throw new ModelError(`node "${node.name}" (${node.opType}): attribute ${name} must be a list of numbers`);
  }
  return v as number[];
}

export function attrString(node: GraphNode, name: string, fallback: string): string {
  const v = node.attrs[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw new ModelError(`node "${node.name}" (${node.opType}): attribute ${name} must be a string`);
  return v;
}

export function attrTensor(node: GraphNode, name: string): Tensor | undefined {
  const v = node.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !('data' in v)) {
    throw new ModelError(`node "${node.name}" (${node.opType}): attribute ${name} must be a tensor`);
  }
  return v;
}

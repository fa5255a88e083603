import { ModelError, type Graph, type InputLayout, type QuantizationInfo } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { GraphBuilder, kt, toLastPerm, type KTensor } from '../keras/builder';
import { OP_TRANSLATORS, PASS_THROUGH, type OpContext } from './ops';
import { opName, TensorType, typeName, type TflModel, type TflOperator, type TflSubgraph, type TflTensor } from './schema';
import { checkedShape, constantValue, quantizedRange } from './tensors';

/**
 * Turns subgraph 0 of a TFLite model into the engine's graph. TFLite tensors are
 * channels-last; the engine's convolutions and pooling are channels-first, so each tensor is
 * tracked as a KTensor (its `keras` name holds the file's own NHWC layout, `nchw` the
 * channels-first copy) and transposed only where a layer is exposed or a layout is needed.
 * Every operator output is a layer named after its tensor, except pure rearrangements.
 */
export function translateTflite(model: TflModel, fileName: string): Graph {
  const fail = (problem: string): never => {
    throw new ModelError(`${fileName}: ${problem}`);
  };
  const sg = model.subgraphs[0] ?? fail('the model has no subgraph');
  if (sg.inputs.length !== 1) fail(`the model has ${sg.inputs.length} inputs; Neurovis reverses models with one input`);
  const b = new GraphBuilder();
  const names = tensorNames(sg);
  b.reserve(names);
  const values = new Map<number, KTensor>();
  const constants = new Map<number, Tensor>();
  const constantNames = new Map<number, string>();
  const layerTensors: { tensor: string; name: string; op: string }[] = [];
  const notes: string[] = [];
  if (model.subgraphs.length > 1) notes.push(`the file has ${model.subgraphs.length} subgraphs; Neurovis reads the first`);

  const inputTensor = sg.tensors[sg.inputs[0]];
  const inputShape = checkedShape(inputTensor, fail);
  const inputName = names[inputTensor.index];
  b.markUsed(inputName);
  values.set(inputTensor.index, kt(inputShape, { keras: inputName }));
  const batchFree = inputTensor.signature?.[0] === -1 || inputShape[0] === 1;
  const hasBatchDim = inputShape.length >= 2 && batchFree;
  const input = { name: inputName, dims: inputShape.map((d, i) => (i === 0 && hasBatchDim ? null : d)), dtype: 'float32' as const };

  const constantOf = (index: number): Tensor | undefined => {
    if (index < 0) return undefined;
    const cached = constants.get(index);
    if (cached) return cached;
    const t = sg.tensors[index];
    const bytes = model.buffer(t.buffer, `tensor "${t.name}"`);
    if (bytes.length === 0) return undefined;
    const value = constantValue(t, bytes, fail);
    constants.set(index, value);
    return value;
  };

  for (const op of sg.operators) {
    const name = opName(op.code);
    const label = op.code === 32 ? `custom op "${op.customCode ?? ''}"` : name;
    const outputs = `output "${op.outputs.map((o) => sg.tensors[o]?.name ?? o).join('", "')}"`;
    const where = `operator ${op.index} (${label}, ${outputs})`;
    const translator = OP_TRANSLATORS[name];
    if (!translator) fail(`unsupported TFLite ${op.code === 32 ? label : `op ${label}`} at operator ${op.index} (${outputs})`);
    if (op.outputs.length !== 1) fail(`${where} has ${op.outputs.length} outputs; the supported ops have one`);
    const outIndex = op.outputs[0];
    const out = sg.tensors[outIndex];
    const source = op.inputs[0];
    if ((name === 'DEQUANTIZE' || name === 'QUANTIZE') && source !== undefined && !values.has(source)) {
      const c = constantOf(source) ?? fail(`${where}: its input is neither computed before nor a constant`);
      constants.set(outIndex, c);
      continue;
    }
    const mark = b.mark;
    const result = translator(makeContext(op, out, where, names[outIndex]));
    if (PASS_THROUGH.has(name)) {
      values.set(outIndex, result);
      continue;
    }
    const exposed = expose(b, result, names[outIndex], mark);
    values.set(outIndex, exposed);
    // TF1 converters join fused names with ';': the first one names the layer for people.
    layerTensors.push({ tensor: exposed.keras!, name: names[outIndex].split(';')[0], op: name });
  }

  const outputs = sg.outputs.map((i) => {
    const v = values.get(i);
    if (!v) return fail(`the model output "${sg.tensors[i].name}" is not computed from the input`);
    return b.asKeras(v, names[i]);
  });

  return {
    inputs: [input],
    outputs,
    initializers: b.initializers,
    nodes: b.nodes,
    source: { format: 'tflite', fileName, producer: `TFLite schema ${model.version}${model.description ? `, ${model.description}` : ''}`, opset: 13, notes },
    hasBatchDim,
    channelAxis: 'last',
    layerTensors,
    inputLayout: layoutOf(inputShape.length - (hasBatchDim ? 1 : 0), channelsFirstInput()),
    inputRange: quantizedRange(inputTensor),
    quantization: quantizationOf(sg, new Set(values.keys())),
  };

  /** Whether the input is channels-first, moved to channels-last by a TRANSPOSE (PyTorch conversions). */
  function channelsFirstInput(): boolean {
    const rank = inputShape.length;
    const toLast = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1].join(',');
    const input = new Set([inputTensor.index]);
    for (const op of sg.operators) {
      const name = opName(op.code);
      if ((name === 'QUANTIZE' || name === 'DEQUANTIZE') && input.has(op.inputs[0])) input.add(op.outputs[0]);
      if (name === 'TRANSPOSE' && input.has(op.inputs[0]) && constants.get(op.inputs[1])?.data.join(',') === toLast) return true;
    }
    return false;
  }

  function makeContext(op: TflOperator, out: TflTensor, where: string, outName: string): OpContext {
    return {
      b,
      op,
      where,
      name: outName,
      outShape: checkedShape(out, fail),
      fail: (problem) => fail(`${where}: ${problem}`),
      input(i) {
        const index = op.inputs[i];
        if (index === undefined || index < 0) return fail(`${where}: input ${i} is missing`);
        const v = values.get(index);
        if (v) return v;
        const c = constantOf(index);
        if (!c) return fail(`${where}: input "${sg.tensors[index].name}" is neither computed before nor a constant`);
        let cname = constantNames.get(index);
        if (cname === undefined) {
          cname = b.constant(names[index], c);
          constantNames.set(index, cname);
        }
        return kt(c.shape, { keras: cname });
      },
      constant(i) {
        const index = op.inputs[i];
        return index === undefined || index < 0 ? undefined : constantOf(index);
      },
      isVariable(i) {
        const index = op.inputs[i];
        return index !== undefined && index >= 0 && values.has(index);
      },
      inputName(i) {
        const index = op.inputs[i];
        return index === undefined || index < 0 ? '' : sg.tensors[index].name;
      },
    };
  }
}

/** Unique tensor names: the file's own, with a suffix where two are equal, or t<index> where empty. */
function tensorNames(sg: TflSubgraph): string[] {
  const seen = new Set<string>();
  return sg.tensors.map((t) => {
    const base = t.name || `t${t.index}`;
    let name = base;
    for (let k = 1; seen.has(name); k++) name = `${base}_${k}`;
    seen.add(name);
    return name;
  });
}

/** The layer's output in the file's layout under its tensor's name (DESIGN.md §2). */
function expose(b: GraphBuilder, out: KTensor, name: string, mark: number): KTensor {
  if (out.keras) {
    const keras = b.nameTensor(out.keras, name, mark);
    return out.channelsFirst ? { ...out, keras, nchw: keras } : { ...out, keras };
  }
  const keras = b.namedNode('Transpose', [out.nchw!], { perm: toLastPerm(out.shape.length) }, name);
  return { ...out, keras };
}

function layoutOf(featureRank: number, channelsFirst: boolean): InputLayout {
  if (featureRank === 3) return channelsFirst ? 'NCHW' : 'NHWC';
  if (featureRank === 2) return channelsFirst ? 'NCW' : 'NWC';
  return 'flat';
}

/** How the model was quantised, from the types of its tensors, or undefined for a float model. */
function quantizationOf(sg: TflSubgraph, computed: ReadonlySet<number>): QuantizationInfo | undefined {
  const quantised = sg.tensors.filter((t) => t.quantization && t.type !== TensorType.FLOAT32 && t.type !== TensorType.INT32);
  const halves = sg.tensors.some((t) => t.type === TensorType.FLOAT16);
  if (quantised.length === 0) return halves ? { scheme: 'tflite', description: 'float16 weights' } : undefined;
  const types = [...new Set(quantised.map((t) => typeName(t.type).toLowerCase()))].join('/');
  const perChannel = quantised.some((t) => (t.quantization?.scale.length ?? 0) > 1);
  // Dynamic-range quantisation keeps activations float: no computed tensor is an integer one.
  const weightsOnly = quantised.every((t) => !computed.has(t.index));
  const how = `${types} ${perChannel ? 'per-channel' : 'per-tensor'}${weightsOnly ? ' weights, float activations' : ''}`;
  return { scheme: 'tflite', description: `${how}${halves ? ', float16 weights' : ''}` };
}

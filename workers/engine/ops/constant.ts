import { attrTensor } from '../graph';
import type { OpContext, OpDef } from '../op';
import { floatTensor, intTensor, sizeOf, type Tensor } from '../tensor';
import { allocData, checkedShape, constantInts, makeTensor, opError } from './op-args';

/** Constant (ONNX Operators.md#Constant): one of value, value_float(s), value_int(s); no inputs, so it always folds. */
function constantValue(ctx: OpContext): Tensor {
  const a = ctx.node.attrs;
  const given = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings', 'sparse_value'].filter((k) => a[k] !== undefined);
  if (given.length !== 1) throw opError(ctx, given.length === 0 ? 'has no value attribute' : `has several value attributes (${given.join(', ')})`);
  const key = given[0];
  const v = a[key];
  switch (key) {
    case 'value':
      return attrTensor(ctx.node, 'value')!;
    case 'value_float':
      if (typeof v !== 'number') break;
      return floatTensor([], Float32Array.of(v));
    case 'value_floats':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) break;
      return floatTensor([v.length], Float32Array.from(v as number[]));
    case 'value_int':
      if (typeof v !== 'number') break;
      return intTensor([], [v]);
    case 'value_ints':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) break;
      return intTensor([v.length], v as number[]);
    default:
      throw opError(ctx, `${key} constants are not supported (strings and sparse tensors have no numeric value here)`);
  }
  throw opError(ctx, `attribute ${key} has the wrong type`);
}

export const constantOp: OpDef = {
  type: 'Constant',
  kind: 'shape',
  inferShapes: (ctx) => [[...constantValue(ctx).shape]],
  forward: (ctx) => [constantValue(ctx)],
};

/** ConstantOfShape (ONNX Operators.md#ConstantOfShape): the value attribute (one element, default float 0) at every position. */
function filledShape(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): number[] {
  return checkedShape(ctx, constantInts(ctx, 0, 'the shape input', inputs), 'shape');
}

function filled(ctx: OpContext, inputs: readonly (Tensor | undefined)[]): Tensor {
  const shape = filledShape(ctx, inputs);
  const value = attrTensor(ctx.node, 'value') ?? floatTensor([1], Float32Array.of(0));
  if (value.data.length !== 1) throw opError(ctx, `value must hold one element, it holds ${value.data.length}`);
  const data = allocData(value.dtype, sizeOf(shape));
  data.fill(value.data[0]);
  return makeTensor(value.dtype, shape, data);
}

/** Only ever folded: a shape input that varies would make the output's shape vary, so it has no reversal. */
export const constantOfShapeOp: OpDef = {
  type: 'ConstantOfShape',
  kind: 'nonlinear',
  inferShapes: (ctx) => [filledShape(ctx)],
  forward: (ctx, inputs) => [filled(ctx, inputs)],
};

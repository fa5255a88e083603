import { describe, expect, it } from 'vitest';
import { ModelError, type Graph, type GraphNode } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { floatTensor, intTensor, type Tensor } from '../../workers/engine/tensor';

/** Bad graphs around the tensor ops fail in prepare() with a ModelError naming the node and the problem. */
function graphOf(nodes: GraphNode[], initializers: [string, Tensor][] = [], dims: number[] = [1, 2, 3]): Graph {
  return {
    inputs: [{ name: 'x', dims, dtype: 'float32' }],
    outputs: [nodes[nodes.length - 1].outputs[0]],
    initializers: new Map(initializers),
    nodes,
    source: { format: 'onnx', fileName: 'bad.onnx', opset: 13 },
    hasBatchDim: true,
    channelAxis: 'first',
  };
}

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: GraphNode['attrs'] = {}): GraphNode {
  return { name, opType, inputs, outputs, attrs };
}

function failure(g: Graph): ModelError {
  try {
    prepare(g);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return e as ModelError;
  }
  throw new Error('prepare() accepted a bad graph');
}

const ints = (v: number[]): Tensor => intTensor([v.length], v);

describe('tensor ops refuse bad graphs clearly', () => {
  it('Slice bounds computed from the signal', () => {
    const e = failure(graphOf([
      node('total', 'ReduceSum', ['x'], ['t'], { keepdims: 0 }),
      node('toint', 'Cast', ['t'], ['ti'], { to: 7 }),
      node('one', 'Unsqueeze', ['ti', 'axes'], ['start']),
      node('cut', 'Slice', ['x', 'start', 'end'], ['y']),
    ], [['axes', ints([0])], ['end', ints([2])]]));
    expect(e.message).toMatch(/"cut" \(Slice\).*starts.*constant/);
  });

  it('Range over values of the signal', () => {
    const e = failure(graphOf([
      node('total', 'ReduceSum', ['x'], ['t'], { keepdims: 0 }),
      node('count', 'Range', ['zero', 't', 'one'], ['y']),
    ], [['zero', floatTensor([], Float32Array.of(0))], ['one', floatTensor([], Float32Array.of(1))]]));
    expect(e.message).toMatch(/"count" \(Range\).*constant/);
  });

  it('a Gather index out of range', () => {
    const e = failure(graphOf([node('pick', 'Gather', ['x', 'i'], ['y'], { axis: 2 })], [['i', ints([0, 3])]]));
    expect(e.message).toMatch(/"pick" \(Gather\).*index 3 is out of range for axis 2 of size 3/);
  });

  it('Concat of mismatched shapes', () => {
    const e = failure(graphOf([node('join', 'Concat', ['x', 'w'], ['y'], { axis: 1 })], [['w', floatTensor([1, 2, 4])]]));
    expect(e.message).toMatch(/"join" \(Concat\).*differ outside axis 1/);
  });

  it('Add of shapes that do not broadcast', () => {
    const e = failure(graphOf([node('plus', 'Add', ['x', 'w'], ['y'])], [['w', floatTensor([4])]]));
    expect(e.message).toMatch(/"plus" \(Add\).*do not broadcast/);
  });

  it('a Transpose perm that is not a permutation', () => {
    const e = failure(graphOf([node('swap', 'Transpose', ['x'], ['y'], { perm: [0, 1, 1] })]));
    expect(e.message).toMatch(/"swap" \(Transpose\).*perm \[0, 1, 1\]/);
  });

  it('Split sizes that do not add up', () => {
    const e = failure(graphOf([node('cut', 'Split', ['x', 's'], ['a', 'b'], { axis: 2 })], [['s', ints([1, 1])]]));
    expect(e.message).toMatch(/"cut" \(Split\).*axis size 3/);
  });

  it('a string Constant and a cast to strings', () => {
    const text = failure(graphOf([node('label', 'Constant', [], ['c'], { value_string: 'hello' }), node('plus', 'Add', ['x', 'c'], ['y'])]));
    expect(text.message).toMatch(/"label" \(Constant\).*value_string.*not supported/);
    const cast = failure(graphOf([node('str', 'Cast', ['x'], ['y'], { to: 8 })]));
    expect(cast.message).toMatch(/"str" \(Cast\).*type 8 is not supported/);
  });

  it('an Expand or ConstantOfShape to an absurd size, in bounded time and memory', () => {
    const expand = failure(graphOf([node('huge', 'Expand', ['x', 's'], ['y'])], [['s', ints([1e6, 1e6, 3])]]));
    expect(expand.message).toMatch(/"huge" \(Expand\).*more than/);
    const fill = failure(graphOf([node('fill', 'ConstantOfShape', ['s'], ['c']), node('plus', 'Add', ['x', 'c'], ['y'])], [['s', ints([1e5, 1e5])]]));
    expect(fill.message).toMatch(/"fill" \(ConstantOfShape\).*more than/);
  });
});

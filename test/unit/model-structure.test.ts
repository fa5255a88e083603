// The graph and weights views' data: the structure the worker sends with a model, and the
// layered drawing of it with rearrangements folded into edges.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepare } from '../../workers/engine/prepare';
import { describeStructure, HISTOGRAM_BINS, type ModelStructure, type StructureNode } from '../../workers/engine/structure';
import { readModel } from '../../workers/formats/index';
import { layoutGraph } from '../../renderer/src/domain/graph-layout';

const fixture = path.join(import.meta.dirname, '../e2e/fixtures/pixel_shuffle_96.onnx');

describe('model structure', () => {
  const graph = readModel([{ name: 'pixel_shuffle_96.onnx', bytes: new Uint8Array(readFileSync(fixture)) }]);
  const structure = describeStructure(prepare(graph));

  it('lists the nodes that depend on the input, with shapes and parameter counts', () => {
    expect(structure.nodes.map((n) => n.opType)).toEqual(['Conv', 'Reshape', 'Transpose', 'Reshape']);
    const conv = structure.nodes[0];
    expect(conv.outputShapes).toEqual([[1, 4, 96, 96]]);
    // 4 kernels of 1 × 3 × 3, and 4 biases.
    expect(conv.params).toBe(40);
    expect(conv.attrs.pads).toBe('[1, 1, 1, 1]');
    expect(conv.layer).toBe('/conv/Conv_output_0');
  });

  it('summarises each weight tensor: range, mean and a histogram of every value', () => {
    const conv = structure.nodes[0];
    const w = graph.initializers.get(graph.nodes.find((n) => n.opType === 'Conv')!.inputs[1])!;
    const summary = conv.weights.find((x) => x.shape.length === 4)!;
    const values = [...w.data];
    expect(summary.min).toBe(Math.min(...values));
    expect(summary.max).toBe(Math.max(...values));
    expect(summary.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
    expect(summary.histogram).toHaveLength(HISTOGRAM_BINS);
    expect(summary.histogram.reduce((a, b) => a + b, 0)).toBe(36);
  });

  it('sends the first convolution\'s kernels as the file holds them', () => {
    const w = graph.initializers.get(graph.nodes.find((n) => n.opType === 'Conv')!.inputs[1])!;
    expect(structure.firstKernels?.shape).toEqual([4, 1, 3, 3]);
    expect([...structure.firstKernels!.values]).toEqual([...Float32Array.from(w.data)]);
  });
});

function node(name: string, opType: string, inputs: string[]): StructureNode {
  return { name, opType, inputs, outputs: [`${name}:0`], attrs: {}, outputShapes: [], params: 0, weights: [], layer: null };
}

describe('graph layout', () => {
  it('folds rearrangements into edges and ranks each node below its lowest input', () => {
    const structure: ModelStructure = {
      input: 'x',
      nodes: [node('conv', 'Conv', ['x']), node('relu', 'Relu', ['conv:0']), node('add', 'Add', ['conv:0', 'relu:0']), node('flat', 'Flatten', ['add:0']), node('fc', 'Gemm', ['flat:0'])],
      firstKernels: null,
    };
    const l = layoutGraph(structure);
    expect(l.boxes.map((b) => [b.id, b.rank])).toEqual([
      ['x', 0],
      ['conv', 1],
      ['relu', 2],
      ['add', 3],
      ['fc', 4],
    ]);
    expect(l.edges).toEqual([
      { from: 'x', to: 'conv' },
      { from: 'conv', to: 'relu' },
      { from: 'conv', to: 'add' },
      { from: 'relu', to: 'add' },
      { from: 'add', to: 'fc' },
    ]);
    expect(l.boxes.find((b) => b.id === 'fc')!.via).toEqual(['flat']);
  });

  it('puts parallel branches side by side in one rank', () => {
    const structure: ModelStructure = {
      input: 'x',
      nodes: [node('a', 'Conv', ['x']), node('b', 'Conv', ['x']), node('cat', 'Concat', ['a:0', 'b:0'])],
      firstKernels: null,
    };
    const boxes = layoutGraph(structure).boxes;
    const [a, b] = [boxes.find((x) => x.id === 'a')!, boxes.find((x) => x.id === 'b')!];
    expect(a.rank).toBe(b.rank);
    expect(a.x).toBe(-b.x);
    expect(a.x).not.toBe(0);
  });
});

describe('graph layout of layers that end in a rearrangement', () => {
  it('gives the layer to the node the rearrangement reads (a Keras layer ends in a transpose)', () => {
    const conv = { ...node('conv', 'Conv', ['x']) };
    const back = { ...node('to_nhwc', 'Transpose', ['conv:0']), layer: 'conv2d' };
    const l = layoutGraph({ input: 'x', nodes: [conv, back], firstKernels: null });
    expect(l.boxes.find((b) => b.id === 'conv')!.layer).toBe('conv2d');
    expect(l.boxes.some((b) => b.id === 'to_nhwc')).toBe(false);
  });
});

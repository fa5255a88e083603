// Ways into a gallery: labels files, the order neurons are shown in, search, neuron links.
import { describe, expect, it } from 'vitest';
import { labelledLayer, parseLabels } from '../../renderer/src/domain/labels';
import { desktopLink, neuronHash, parseNeuronLink } from '../../renderer/src/domain/neuron-link';
import { inverseOrder, neuronOrder } from '../../renderer/src/domain/neuron-order';
import { searchModel } from '../../renderer/src/domain/search';

describe('labels files', () => {
  it('reads one class per line, dropping blank lines at the end and a byte-order mark', () => {
    expect(parseLabels('\uFEFFcat\r\ndog\nbird fly\n\n')).toEqual(['cat', 'dog', 'bird fly']);
  });
  it('drops a leading index only when every line has one, in order', () => {
    expect(parseLabels('0 cat\n1 dog\n2 bird')).toEqual(['cat', 'dog', 'bird']);
    expect(parseLabels('0: cat\n1: dog')).toEqual(['cat', 'dog']);
    expect(parseLabels('1 one\n3 three')).toEqual(['1 one', '3 three']);
    expect(parseLabels('7 up\nsprite')).toEqual(['7 up', 'sprite']);
  });
  it('names the last layer with one neuron per label', () => {
    const layers = [
      { id: 'a', neurons: 3 },
      { id: 'b', neurons: 10 },
      { id: 'c', neurons: 3 },
    ];
    expect(labelledLayer(layers, ['x', 'y', 'z'])).toBe('c');
    expect(labelledLayer(layers, Array(10).fill('n'))).toBe('b');
    expect(labelledLayer(layers, ['x'])).toBeNull();
    expect(labelledLayer(layers, null)).toBeNull();
  });
});

describe('neuron order', () => {
  const data = {
    neurons: 5,
    state: [1, 1, 0, 1, 1],
    activations: [0.5, 2, 0, -1, 2],
    norms: [3, 1, 0, 0, 2],
    dead: [0, 0, 0, 1, 0],
  };
  it('is the index order unless asked otherwise', () => {
    expect(neuronOrder(data, 5, 'index', false)).toBeNull();
  });
  it('puts the highest activation first, ties by index, pending neurons last', () => {
    expect([...neuronOrder(data, 5, 'activation', false)!]).toEqual([1, 4, 0, 3, 2]);
    expect([...neuronOrder(data, 5, 'norm', false)!]).toEqual([0, 4, 1, 3, 2]);
  });
  it('leaves dead neurons out when asked, and keeps pending ones', () => {
    const order = neuronOrder(data, 5, 'index', true)!;
    expect([...order]).toEqual([0, 1, 2, 4]);
    expect([...inverseOrder(order, 5)]).toEqual([0, 1, 2, -1, 3]);
  });
});

describe('search', () => {
  const layers = [
    { id: '/conv1/Conv_output_0', name: 'conv1', op: 'Conv', neurons: 8 },
    { id: 'dense', name: 'dense', op: 'Gemm', neurons: 3 },
    { id: 'head/conv', name: 'head_conv', op: 'Conv', neurons: 4 },
  ];
  const labels = { layer: 'dense', names: ['Cat', 'Dog', 'Hotdog'] };
  it('finds layers by name, names that start with the query first', () => {
    expect(searchModel(layers, null, 'conv').map((h) => h.layer)).toEqual(['/conv1/Conv_output_0', 'head/conv']);
  });
  it('finds layers by op and classes by name', () => {
    expect(searchModel(layers, labels, 'gemm')).toEqual([{ kind: 'op', layer: 'dense', neuron: 0, text: 'dense (Gemm)' }]);
    expect(searchModel(layers, labels, 'dog').map((h) => [h.kind, h.neuron])).toEqual([
      ['label', 1],
      ['label', 2],
    ]);
  });
  it('names a neuron with "layer N", "layer #N" or "layer:N" when it exists', () => {
    for (const q of ['conv1 5', 'conv1 #5', 'conv1:5']) expect(searchModel(layers, null, q)[0]).toEqual({ kind: 'neuron', layer: '/conv1/Conv_output_0', neuron: 5, text: 'conv1 · 5' });
    expect(searchModel(layers, null, 'conv1 8').filter((h) => h.kind === 'neuron')).toEqual([]);
  });
  it('finds nothing for an empty query', () => {
    expect(searchModel(layers, labels, '  ')).toEqual([]);
  });
});

describe('neuron links', () => {
  const link = { model: 'my model.onnx', layer: '/conv1/Conv_output_0', neuron: 12 };
  it('round-trips through the address hash and the neurovis:// link', () => {
    expect(parseNeuronLink(neuronHash(link))).toEqual(link);
    const desktop = desktopLink({ ...link, model: '/home/me/my model.onnx' });
    expect(desktop.startsWith('neurovis://open?file=%2Fhome%2Fme%2Fmy+model.onnx&')).toBe(true);
    expect(parseNeuronLink(desktop)).toEqual({ ...link, model: '/home/me/my model.onnx' });
  });
  it('refuses what does not name a neuron', () => {
    expect(parseNeuronLink('#model=a.onnx')).toBeNull();
    expect(parseNeuronLink('#model=a.onnx&layer=x&neuron=-1')).toBeNull();
    expect(parseNeuronLink('https://example.com/')).toBeNull();
  });
});

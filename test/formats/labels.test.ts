import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepare } from '../../workers/engine/prepare';
import { readModel, type InputFile } from '../../workers/formats/index';
import { findLabels } from '../../workers/formats/labels';
import { FIXTURES, inputFile, inputFiles } from '../fixtures/keras/oracle';

const text = (name: string, content: string): InputFile => ({ name, bytes: new TextEncoder().encode(content) });
const model = (): InputFile => inputFile(join(FIXTURES, 'keras', 'keras2.4_nested_sequential.h5'));

describe('class names found among the files given with a model', () => {
  it("Teachable Machine's metadata.json first, then <stem>.labels, then labels.txt", () => {
    const main = model();
    const meta = text('metadata.json', JSON.stringify({ tmVersion: '2.4.5', labels: ['cat', 'dog', 'bird'] }));
    const own = text('keras2.4_nested_sequential.labels', 'one\ntwo\nthree\n');
    const txt = text('labels.txt', 'a\r\nb\r\nc\r\n');
    expect(findLabels(main, [main, txt, own, meta])).toEqual({ names: ['cat', 'dog', 'bird'], file: 'metadata.json' });
    expect(findLabels(main, [main, txt, own])).toEqual({ names: ['one', 'two', 'three'], file: 'keras2.4_nested_sequential.labels' });
    expect(findLabels(main, [main, txt])).toEqual({ names: ['a', 'b', 'c'], file: 'labels.txt' });
  });

  it("ignores another model's .labels, a metadata.json without labels and files that are not label files", () => {
    const main = model();
    expect(findLabels(main, [main, text('other.labels', 'x\ny\nz'), text('metadata.json', '{"keras_version": "3.1"}'), text('notes.txt', 'a\nb\nc')])).toBeUndefined();
  });

  it('puts them on the output layer when there is one per output neuron', () => {
    const graph = readModel([model(), text('labels.txt', 'rock\npaper\nscissors\n')]);
    expect(graph.labels).toEqual(['rock', 'paper', 'scissors']);
    expect(graph.source.notes).toContain('class names from labels.txt');
    const layers = prepare(graph).layers;
    expect(layers[layers.length - 1]).toMatchObject({ name: 'head/dense_1', neurons: 3, labels: ['rock', 'paper', 'scissors'] });
    expect(layers.slice(0, -1).every((l) => l.labels === undefined)).toBe(true);
  });

  it('says why not when the count differs from the output size', () => {
    const prepared = prepare(readModel([model(), text('labels.txt', 'rock\npaper\n')]));
    expect(prepared.layers.every((l) => l.labels === undefined)).toBe(true);
    expect(prepared.graph.labels).toBeUndefined();
    expect(prepared.graph.source.notes?.join('\n')).toContain('2 class names given, but the output layer head/dense_1 has 3 neurons: names not used');
  });

  it('a Teachable Machine folder (model.json, weights.bin, metadata.json) opens with its class names on the output layer', () => {
    const layers = prepare(readModel(inputFiles(join(FIXTURES, 'tfjs', 'teachable_machine')))).layers;
    expect(layers[layers.length - 1]).toMatchObject({ name: 'sequential_3/dense_Dense2', labels: ['Cat', 'Dog', 'Neither'] });
  });
});

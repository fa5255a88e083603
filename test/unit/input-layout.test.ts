// The model's input layout, which ops are layers, and how x* is drawn (issue 17; issue 16 "what counts as a layer").
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { prepare, type PreparedModel, type PrepareOptions } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { packModel } from '../../workers/pool/pack';
import { drawingShape, drawnImageShape, modelInputLayout, renderInputThumbnail, thumbnailDrawing } from '../../workers/imaging/input-layout';
import { inputLayout, renderThumbnail } from '../../workers/imaging/thumbnail';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, '..', 'fixtures', 'layout');
const SHARED = join(here, '..', '..', '..', 'shared', 'models');
const hasShared = existsSync(SHARED);

function load(paths: readonly string[], options: PrepareOptions = {}): PreparedModel {
  const files = paths.map((p) => ({ name: basename(p), bytes: new Uint8Array(readFileSync(p)) }));
  return prepare(readModel(files, {}), options);
}
const fixture = (name: string, options: PrepareOptions = {}): PreparedModel => load([join(FIXTURES, name)], options);
const layerOps = (m: PreparedModel): string[] => m.layers.map((l) => l.op);
const drawing = (m: PreparedModel): Parameters<typeof modelInputLayout>[0] => ({ inputShape: m.inputFeatureShape, inputLayout: m.inputLayout, imageShape: m.imageShape });

describe('input layout detected from the model', () => {
  it('tf2onnx: an NHWC input feeding a Transpose to NCHW is channels-last; Transposes and Reshape are no layers', () => {
    const m = fixture('tf2onnx_nhwc_rgb.onnx');
    expect(m.inputLayout).toBe('NHWC');
    expect(layerOps(m)).toEqual(['Conv', 'Relu', 'Conv', 'Relu', 'MatMul', 'Add']);
    // The Relu after the Transpose back to NHWC [7, 7, 8]: 8 channels on the last axis, not 7 on the first.
    const relu2 = m.layers.find((l) => l.id === 'relu2')!;
    expect(relu2.featureShape).toEqual([7, 7, 8]);
    expect(relu2.channelAxis).toBe(2);
    expect(relu2.neurons).toBe(8);
    expect(m.layers.find((l) => l.id === 'conv2')!.neurons).toBe(8);
    // Drawn as one RGB image of the input's aspect, not 16 strips of 16×3.
    expect(modelInputLayout(drawing(m))).toMatchObject({ kind: 'image', channels: 3, height: 16, width: 16, channelsLast: true });
    expect(drawnImageShape(drawing(m))).toEqual([16, 16]);
  });

  it('keras2onnx: Identity then the Transpose; a grey input; Flatten is no layer', () => {
    const m = fixture('keras2onnx_nhwc_grey.onnx');
    expect(m.inputLayout).toBe('NHWC');
    expect(layerOps(m)).toEqual(['Conv', 'Relu', 'MaxPool', 'MatMul']);
    expect(modelInputLayout(drawing(m))).toMatchObject({ kind: 'image', channels: 1, height: 12, width: 12 });
  });

  it('PyTorch ONNX is NCHW', () => {
    const m = fixture('pytorch_nchw.onnx');
    expect(m.inputLayout).toBe('NCHW');
    expect(layerOps(m)).toEqual(['Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'Gemm']);
    expect(m.layers[0].neurons).toBe(4);
    expect(modelInputLayout(drawing(m))).toMatchObject({ kind: 'image', channels: 3, height: 16, width: 16, channelsLast: false });
  });

  it('a pixel shuffle (Reshape, Transpose, Reshape) is no layer; its output is shown in image form', () => {
    const m = fixture('pytorch_pixel_shuffle.onnx');
    expect(layerOps(m)).toEqual(['Conv', 'Reshape']);
    const [conv, image] = m.layers;
    expect(conv.featureShape).toEqual([4, 8, 8]);
    expect(image.id).toBe('image');
    expect(image.featureShape).toEqual([1, 16, 16]);
    expect(image.neurons).toBe(1);
  });

  it('the layout survives packing for the workers', () => {
    const m = fixture('tf2onnx_nhwc_rgb.onnx', { inputLayout: 'NHWC' });
    const again = prepare(packModel(m, false).graph);
    expect(again.inputLayout).toBe('NHWC');
    expect(again.layers.map((l) => [l.id, l.neurons])).toEqual(m.layers.map((l) => [l.id, l.neurons]));
  });

  it.skipIf(!hasShared)('Keras and TF.js models are channels-last; their Flatten layers are no galleries (needs ../shared/models)', () => {
    const lenet = load([join(SHARED, 'keras', 'keras2.10_lenet_mnist.h5')]);
    expect(lenet.inputLayout).toBe('NHWC');
    expect(lenet.layers.some((l) => l.op === 'Flatten')).toBe(false);
    const dir = join(SHARED, 'tfjs', 'keras2.12_mnist_cnn');
    const tfjs = load([join(dir, 'model.json'), join(dir, 'group1-shard1of1.bin')]);
    expect(tfjs.inputLayout).toBe('NHWC');
    expect(tfjs.layers.some((l) => l.op === 'Flatten')).toBe(false);
    const resnet = load([join(SHARED, 'keras', 'keras2.4_mlcommons_resnet8_cifar10.h5')]);
    expect(modelInputLayout(drawing(resnet))).toMatchObject({ kind: 'image', channels: 3, height: 32, width: 32, channelsLast: true });
  });
});

describe('the user overrides layout and image shape', () => {
  it('a layout must fit the input rank', () => {
    expect(fixture('pytorch_nchw.onnx', { inputLayout: 'NHWC' }).inputLayout).toBe('NHWC');
    expect(() => fixture('pytorch_nchw.onnx', { inputLayout: 'NWC' })).toThrow(/input layout NWC does not fit the input of shape \[3, 16, 16\]/);
  });

  it('an image shape must divide the input', () => {
    expect(() => fixture('pytorch_nchw.onnx', { imageShape: [5, 5] })).toThrow(ModelError);
    expect(fixture('pytorch_nchw.onnx', { imageShape: [16, 48] }).imageShape).toEqual([16, 48]);
  });

  it('a 784-vector is drawn as bars, or as 28×28 when asked', () => {
    const flat = { inputShape: [784], inputLayout: 'flat' as const, imageShape: null };
    expect(modelInputLayout(flat)).toMatchObject({ kind: 'vector', length: 784 });
    expect(drawnImageShape(flat)).toBeNull();
    expect(modelInputLayout({ ...flat, imageShape: [28, 28] })).toMatchObject({ kind: 'image', channels: 1, height: 28, width: 28 });
    expect(drawingShape({ inputShape: [3072], inputLayout: 'flat', imageShape: [32, 32] })).toEqual({ shape: [3, 32, 32], channelsLast: false });
    expect(drawingShape({ inputShape: [32, 32, 3], inputLayout: 'flat', imageShape: null })).toEqual({ shape: [3072], channelsLast: false });
  });
});

describe('thumbnails cut to a receptive-field box (the app draws them as the CLI does)', () => {
  // Every value distinct, so a pixel says which input value it came from.
  const H = 9;
  const W = 7;
  const C = 3;
  const x = Float32Array.from({ length: 2 * H * W * C }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
  const box = [2, 1, 4, 3] as const;
  for (const channelsLast of [false, true]) {
    it(`keeps the box's aspect, upscales nearest-neighbour and shows the box's pixels (${channelsLast ? 'HWC' : 'CHW'})`, () => {
      const shape = channelsLast ? [H, W, C] : [C, H, W];
      const drawing = thumbnailDrawing({ inputShape: shape, inputLayout: channelsLast ? 'NHWC' : 'NCHW', imageShape: null }, box);
      const options = { colormap: 'rdbu' as const, scale: 6, size: 40 };
      const row = 1;
      const crop = renderInputThumbnail(x, row, drawing, options);
      const k = Math.floor(40 / 4);
      expect([crop.height, crop.width]).toEqual([box[2] * k, box[3] * k]);
      // The whole input at one pixel per value: the reference for every pixel of the crop.
      const full = renderThumbnail(x, row, inputLayout(shape, channelsLast), { ...options, size: 1 });
      expect([full.height, full.width]).toEqual([H, W]);
      for (let i = 0; i < crop.height; i++) {
        for (let j = 0; j < crop.width; j++) {
          const o = (i * crop.width + j) * 4;
          const f = ((box[0] + Math.floor(i / k)) * W + box[1] + Math.floor(j / k)) * 4;
          expect([...crop.data.subarray(o, o + 4)]).toEqual([...full.data.subarray(f, f + 4)]);
        }
      }
    });
  }
  it('draws the whole input when the layer has no box, or the input is not an image', () => {
    const shape = [C, H, W];
    const whole = renderInputThumbnail(x, 0, thumbnailDrawing({ inputShape: shape, inputLayout: 'NCHW', imageShape: null }, null), { colormap: 'rdbu', scale: 6, size: 18 });
    expect([whole.height, whole.width]).toEqual([18, 14]);
    expect(thumbnailDrawing({ inputShape: [H * W], inputLayout: 'flat', imageShape: null }, box).crop).toBeNull();
  });
});

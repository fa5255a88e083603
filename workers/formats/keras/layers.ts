import type { LayerTranslator } from './layer-context';
import { conv, convTranspose, cropping, depthwiseConv, globalPool, pool, separableConv, zeroPadding } from './layers-conv';
import { activation, batchNormalization, dense, elu, flatten, identity, leakyRelu, normalization, permuteLayer, prelu, relu, rescaling, reshape, softmax } from './layers-core';
import { add, average, concatenate, maximum, minimum, multiply, subtract } from './layers-merge';

function perRank(names: (rank: number) => string[], make: (rank: number) => LayerTranslator, ranks = [1, 2, 3]): Record<string, LayerTranslator> {
  const out: Record<string, LayerTranslator> = {};
  for (const r of ranks) {
    const t = make(r);
    for (const n of names(r)) out[n] = t;
  }
  return out;
}

/** Keras layer classes (and their aliases) and how each becomes ONNX nodes. */
export const LAYER_TRANSLATORS: Readonly<Record<string, LayerTranslator>> = {
  Dense: dense,
  Activation: activation,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  Softmax: softmax,
  PReLU: prelu,
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  SpatialDropout3D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  ActivityRegularization: identity,
  Flatten: flatten,
  Reshape: reshape,
  Permute: permuteLayer,
  BatchNormalization: batchNormalization,
  Rescaling: rescaling,
  Normalization: normalization,
  Add: add,
  Subtract: subtract,
  Multiply: multiply,
  Average: average,
  Maximum: maximum,
  Minimum: minimum,
  Concatenate: concatenate,
  ...perRank((r) => [`Conv${r}D`, `Convolution${r}D`], conv),
  ...perRank((r) => [`DepthwiseConv${r}D`], depthwiseConv, [1, 2]),
  ...perRank((r) => [`SeparableConv${r}D`, `SeparableConvolution${r}D`], separableConv, [1, 2]),
  ...perRank((r) => [`Conv${r}DTranspose`, `Convolution${r}DTranspose`, ...(r > 1 ? [`Deconvolution${r}D`] : [])], convTranspose),
  ...perRank((r) => [`AveragePooling${r}D`, `AvgPool${r}D`], (r) => pool(r, 'AveragePool')),
  ...perRank((r) => [`MaxPooling${r}D`, `MaxPool${r}D`], (r) => pool(r, 'MaxPool')),
  ...perRank((r) => [`GlobalAveragePooling${r}D`, `GlobalAvgPool${r}D`], (r) => globalPool(r, 'GlobalAveragePool')),
  ...perRank((r) => [`GlobalMaxPooling${r}D`, `GlobalMaxPool${r}D`], (r) => globalPool(r, 'GlobalMaxPool')),
  ...perRank((r) => [`ZeroPadding${r}D`], zeroPadding),
  ...perRank((r) => [`Cropping${r}D`], cropping),
};

/** Layers that only move or pass data: not layers of the gallery (DESIGN.md §2). */
export const PASS_THROUGH_LAYERS = new Set([
  'InputLayer',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'ActivityRegularization',
  'Flatten',
  'Reshape',
  'Permute',
]);

/** Layers whose config may say channels_first. */
export function isSpatialLayer(className: string): boolean {
  return /(Conv|Convolution|Pool|Padding|Cropping)/.test(className);
}

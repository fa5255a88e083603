/**
 * The built-in examples: network specs opened through the pool exactly as a
 * .neurovis.json file the user dropped would be.
 */
import type { NetworkSpec } from '../../../workers/formats/neurovis/spec';
import type { ModelFile } from '../host/host';

export interface Example {
  readonly id: string;
  /** i18n keys of the title and the one-line description. */
  readonly title: string;
  readonly description: string;
  readonly spec: NetworkSpec;
}

/** The kernel of the 2×2-on-3×3 example: the convolution is the 4 × 9 matrix whose rows are this kernel placed at each output position. */
const KERNEL_2X2 = [
  [1, 2],
  [-1, 3],
] as const;

const singleNeuron: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'single-neuron',
  input: { shape: [8] },
  layers: [{ kind: 'dense', name: 'neuron', units: 1 }],
  weights: {
    neuron: {
      W: { shape: [1, 8], data: [3, -1, 2, 0.5, -2, 1, 0, -0.5] },
      B: { shape: [1], data: [0.5] },
    },
  },
};

const linearMlp: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'linear-mlp-28x28',
  input: { shape: [1, 28, 28] },
  layers: [
    { kind: 'flatten' },
    { kind: 'dense', name: 'dense1', units: 64, init: { kind: 'normal', seed: 1 } },
    { kind: 'dense', name: 'dense2', units: 32, init: { kind: 'normal', seed: 2 } },
    { kind: 'dense', name: 'dense3', units: 10, init: { kind: 'normal', seed: 3 } },
  ],
};

const kernelOnGrid: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'kernel-2x2-on-3x3',
  input: { shape: [1, 3, 3] },
  layers: [
    { kind: 'conv2d', name: 'conv', filters: 1, kernel: 2, bias: false },
    { kind: 'flatten' },
    // One neuron per output position: the identity reads the convolution's four outputs.
    { kind: 'dense', name: 'positions', units: 4, bias: false, init: { kind: 'identity' } },
  ],
  weights: { conv: { W: { shape: [1, 1, 2, 2], data: KERNEL_2X2.flat() } } },
};

const smallConvNet: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'small-convnet',
  input: { shape: [1, 28, 28] },
  layers: [
    { kind: 'conv2d', name: 'conv1', filters: 8, kernel: 5, padding: 2, init: { kind: 'gabor', seed: 1 } },
    { kind: 'activation', name: 'relu1', fn: 'relu' },
    { kind: 'maxpool', name: 'pool1', size: 2 },
    { kind: 'conv2d', name: 'conv2', filters: 16, kernel: 3, padding: 1, init: { kind: 'normal', seed: 2 } },
    { kind: 'activation', name: 'relu2', fn: 'relu' },
    { kind: 'avgpool', name: 'pool2', size: 2 },
    { kind: 'flatten' },
    { kind: 'dense', name: 'logits', units: 10, init: { kind: 'normal', seed: 3 } },
  ],
};

const wideLayer: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'wide-4096',
  input: { shape: [1, 32, 32] },
  layers: [{ kind: 'flatten' }, { kind: 'dense', name: 'wide', units: 4096, init: { kind: 'normal', seed: 7 } }],
};

export const EXAMPLES: readonly Example[] = [
  { id: 'single-neuron', title: 'examples.singleNeuron.title', description: 'examples.singleNeuron.description', spec: singleNeuron },
  { id: 'linear-mlp', title: 'examples.linearMlp.title', description: 'examples.linearMlp.description', spec: linearMlp },
  { id: 'kernel-2x2', title: 'examples.kernel.title', description: 'examples.kernel.description', spec: kernelOnGrid },
  { id: 'small-convnet', title: 'examples.convnet.title', description: 'examples.convnet.description', spec: smallConvNet },
  { id: 'wide-4096', title: 'examples.wide.title', description: 'examples.wide.description', spec: wideLayer },
];

/** A trained model shipped with the app: its file (and the script that trained it) in a folder beside this module. */
export interface TrainedExample {
  readonly id: string;
  /** i18n keys of the title and the one-line description. */
  readonly title: string;
  readonly description: string;
  /** The file's name, as the pool and the title bar show it. */
  readonly fileName: string;
  /** Where the app fetches the file (Vite turns `new URL(…, import.meta.url)` into the built asset's address). */
  readonly url: () => string;
  /** The card's outline of the layers. */
  readonly outline: string;
}

export const TRAINED_EXAMPLES: readonly TrainedExample[] = [
  {
    id: 'mnist-cnn',
    title: 'examples.mnistCnn.title',
    description: 'examples.mnistCnn.description',
    fileName: 'mnist-cnn.onnx',
    url: () => new URL('./mnist-cnn/mnist-cnn.onnx', import.meta.url).href,
    outline: '[1×28×28] → conv2d 16 → relu → maxpool → conv2d 32 → relu → maxpool → dense 10',
  },
];

/** A spec as the .neurovis.json file the pool reads. */
export function specFile(spec: NetworkSpec): ModelFile {
  return { name: `${spec.name}.neurovis.json`, bytes: new TextEncoder().encode(JSON.stringify(spec, null, 1) + '\n') };
}

/**
 * A link that names a neuron of a model: the web build's address hash
 * (#model=NAME&layer=ID&neuron=N) and the desktop app's neurovis://open?file=PATH&layer=ID&neuron=N.
 */
export interface NeuronLink {
  /** The model's file name (web) or path (desktop). */
  readonly model: string;
  readonly layer: string;
  readonly neuron: number;
}

export function neuronHash(link: NeuronLink): string {
  return `#${new URLSearchParams({ model: link.model, layer: link.layer, neuron: String(link.neuron) }).toString()}`;
}

export function desktopLink(link: NeuronLink): string {
  return `neurovis://open?${new URLSearchParams({ file: link.model, layer: link.layer, neuron: String(link.neuron) }).toString()}`;
}

/** The neuron a hash or a neurovis:// link names, or null. */
export function parseNeuronLink(text: string): NeuronLink | null {
  let params: URLSearchParams;
  if (text.startsWith('#')) params = new URLSearchParams(text.slice(1));
  else if (text.startsWith('neurovis://')) {
    const q = text.indexOf('?');
    if (q < 0) return null;
    params = new URLSearchParams(text.slice(q + 1));
  } else return null;
  const model = params.get('model') ?? params.get('file');
  const layer = params.get('layer');
  const neuron = Number(params.get('neuron') ?? '0');
  if (!model || !layer || !Number.isInteger(neuron) || neuron < 0) return null;
  return { model, layer, neuron };
}

import { Hdf5Dataset, type Hdf5Group } from '../hdf5/index';
import type { KerasLayer } from './config';
import { datasetArray } from './h5-weights';
import type { WeightArray, WeightStore } from './weights';

/** keras.src.utils.naming.to_snake_case. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Weights of a Keras 3 `.keras` archive's model.weights.h5: each layer's variables under
 * layers/<key>/vars/0, 1 …, where the key is the layer's class name in snake case, numbered
 * _1, _2 … among the layers of the same class (keras.src.saving.saving_lib), not the layer's name.
 */
export class Keras3Weights implements WeightStore {
  private readonly keys = new Map<KerasLayer, string>();

  constructor(
    private readonly root: Hdf5Group,
    private readonly prefix: string,
    layers: readonly KerasLayer[],
  ) {
    const used = new Map<string, number>();
    for (const l of layers) {
      let key = toSnakeCase(l.className);
      const n = used.get(key);
      if (n === undefined) used.set(key, 0);
      else {
        used.set(key, n + 1);
        key = `${key}_${n + 1}`;
      }
      this.keys.set(l, key);
    }
  }

  private group(layer: KerasLayer): Hdf5Group | undefined {
    const key = this.keys.get(layer) ?? toSnakeCase(layer.className);
    const alternatives = [`${this.prefix}/${key}`, `${this.prefix.replace(/^layers/, '_layer_checkpoint_dependencies')}/${key}`, `${this.prefix}/${layer.name}`];
    for (const path of alternatives) {
      const g = this.root.group(path);
      if (g) return g;
    }
    return undefined;
  }

  layer(layer: KerasLayer): WeightArray[] {
    const vars = this.group(layer)?.group('vars');
    if (!vars) return [];
    const names = vars.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    return names.flatMap((n) => {
      const ds = vars.get(n);
      return ds instanceof Hdf5Dataset ? [datasetArray(ds, `vars/${n}`)] : [];
    });
  }

  nested(layer: KerasLayer, innerLayers: readonly KerasLayer[]): WeightStore {
    const key = this.keys.get(layer) ?? toSnakeCase(layer.className);
    return new Keras3Weights(this.root, `${this.prefix}/${key}/layers`, innerLayers);
  }
}

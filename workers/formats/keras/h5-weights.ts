import { ModelError } from '../../engine/graph';
import { Hdf5Dataset, type Hdf5Group } from '../hdf5/index';
import type { KerasLayer } from './config';
import type { WeightArray, WeightStore } from './weights';

/**
 * A string-list attribute as Keras writes it: whole, or (when longer than HDF5's 64 KiB
 * object-header limit) split into `name0`, `name1`, … Empty lists are stored as float arrays.
 */
function stringListAttribute(group: Hdf5Group, name: string): string[] | undefined {
  const read = (n: string): string[] | undefined => {
    const v = group.attribute(n);
    if (!v) return undefined;
    if (v.kind === 'strings') return [...v.values];
    if (v.values.length === 0) return [];
    throw new ModelError(`attribute ${n} of ${group.path} holds numbers, not names`);
  };
  const whole = read(name);
  if (whole) return whole;
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    const part = read(`${name}${i}`);
    if (!part) break;
    parts.push(...part);
  }
  return parts.length > 0 ? parts : undefined;
}

export function datasetArray(ds: Hdf5Dataset, name: string): WeightArray {
  return { name, shape: ds.dims, read: () => ds.readFloat32() };
}

/** Weights of a Keras 2 (and Keras 3 legacy) .h5 file: model_weights/<layer>/<weight name>, ordered by weight_names. */
export class KerasH5Weights implements WeightStore {
  constructor(
    private readonly root: Hdf5Group,
    private readonly fileName: string,
    /** Inside a nested model: only the names under this layer. */
    private readonly innerOf?: { group: Hdf5Group; names: readonly string[] },
  ) {}

  layer(layer: KerasLayer): WeightArray[] {
    if (this.innerOf) {
      const { group, names } = this.innerOf;
      return names.filter((n) => n.split('/').slice(0, -1).includes(layer.name)).map((n) => this.array(group, n));
    }
    const group = this.root.group(layer.name);
    if (!group) return [];
    return (stringListAttribute(group, 'weight_names') ?? []).map((n) => this.array(group, n));
  }

  nested(layer: KerasLayer): WeightStore {
    const group = this.innerOf ? this.innerOf.group : this.root.group(layer.name);
    if (!group) return new KerasH5Weights(this.root, this.fileName, { group: this.root, names: [] });
    return new KerasH5Weights(this.root, this.fileName, { group, names: stringListAttribute(group, 'weight_names') ?? [] });
  }

  private array(group: Hdf5Group, name: string): WeightArray {
    const ds = group.get(name);
    if (!(ds instanceof Hdf5Dataset)) throw new ModelError(`${this.fileName}: weight "${name}" listed in ${group.path} is missing`);
    return datasetArray(ds, name);
  }
}

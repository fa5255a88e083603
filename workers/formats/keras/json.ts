import { ModelError, errorMessage } from '../../engine/graph';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJson(text: string, where: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new ModelError(`${where} is not valid JSON (${errorMessage(e)})`);
  }
}

/** Typed access to one layer's config, with errors that name the layer and the key. */
export class ConfigReader {
  constructor(
    readonly config: JsonObject,
    /** e.g. 'layer "conv2d" (Conv2D)', used in messages. */
    readonly where: string,
  ) {}

  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }

  raw(key: string): Json | undefined {
    return this.config[key];
  }

  fail(message: string): never {
    throw new ModelError(`${this.where}: ${message}`);
  }

  number(key: string, fallback?: number): number {
    const v = this.config[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(`config has no "${key}"`);
      return fallback;
    }
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`"${key}" must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A count such as units, filters or groups: an integer from 1 to 2^31. */
  count(key: string, fallback?: number): number {
    const v = this.number(key, fallback);
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 31) this.fail(`"${key}" must be a positive integer, got ${v}`);
    return v;
  }

  optionalNumber(key: string): number | undefined {
    const v = this.config[key];
    return v === undefined || v === null ? undefined : this.number(key);
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.config[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    this.fail(`"${key}" must be true or false, got ${JSON.stringify(v)}`);
  }

  string(key: string, fallback?: string): string {
    const v = this.config[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(`config has no "${key}"`);
      return fallback;
    }
    if (typeof v !== 'string') this.fail(`"${key}" must be a string, got ${JSON.stringify(v)}`);
    return v;
  }

  /** An int or a list of `rank` ints of at least `min` (kernel_size, strides …). */
  tuple(key: string, rank: number, fallback?: readonly number[], min = 1): number[] {
    const v = this.config[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(`config has no "${key}"`);
      return [...fallback];
    }
    const list = typeof v === 'number' ? new Array<number>(rank).fill(v) : v;
    if (!Array.isArray(list) || list.length !== rank || list.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min || x > 1e6)) {
      this.fail(`"${key}" must be an integer or ${rank} integers of at least ${min}, got ${JSON.stringify(v)}`);
    }
    return list as number[];
  }

  numbers(key: string): number[] | undefined {
    const v = this.config[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return [v];
    const flat: number[] = [];
    const walk = (x: Json): void => {
      if (typeof x === 'number') flat.push(x);
      else if (Array.isArray(x)) x.forEach(walk);
      else this.fail(`"${key}" must hold numbers, got ${JSON.stringify(v).slice(0, 80)}`);
    };
    walk(v);
    return flat;
  }
}

/** A shape list from a config ([null, 28, 28, 1]); null entries stay null. */
export function shapeOf(v: Json | undefined, where: string): (number | null)[] {
  if (!Array.isArray(v) || v.some((d) => d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d < 0))) {
    throw new ModelError(`${where}: shape ${JSON.stringify(v)} is not a list of sizes`);
  }
  return v as (number | null)[];
}

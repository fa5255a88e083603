/**
 * A 64-bit content hash (two independent 32-bit multiply–xorshift lanes) for cache keys:
 * fast on large weight files, the same in every host. Not cryptographic.
 */
export class Digest {
  private h1 = 0x811c9dc5 | 0;
  private h2 = 0x9747b28c | 0;
  private length = 0;

  update(bytes: Uint8Array): this {
    let h1 = this.h1;
    let h2 = this.h2;
    const n = bytes.length;
    const words = n >>> 2;
    // Whole 32-bit words through a DataView (the view may start at any offset).
    const view = new DataView(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < words; i++) {
      const w = view.getUint32(i << 2, true);
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 ^ w, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    for (let i = words << 2; i < n; i++) {
      h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
      h2 = Math.imul(h2 ^ bytes[i], 0x5bd1e995);
    }
    this.h1 = h1;
    this.h2 = h2;
    this.length += n;
    return this;
  }

  updateString(text: string): this {
    return this.update(new TextEncoder().encode(text)).update(new Uint8Array([0]));
  }

  hex(): string {
    const mix = (h: number, seed: number): number => {
      let x = Math.imul(h ^ this.length ^ seed, 0x85ebca6b);
      x ^= x >>> 13;
      x = Math.imul(x, 0xc2b2ae35);
      return (x ^ (x >>> 16)) >>> 0;
    };
    return mix(this.h1, 0x27d4eb2f).toString(16).padStart(8, '0') + mix(this.h2, 0x165667b1).toString(16).padStart(8, '0') + '-' + this.length.toString(36);
  }
}

export function digestFiles(files: readonly { name: string; bytes: Uint8Array }[]): string {
  const d = new Digest();
  for (const f of files) d.updateString(f.name).updateString(String(f.bytes.length)).update(f.bytes);
  return d.hex();
}

export function digestFloats(values: Float32Array): string {
  return new Digest().update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).hex();
}

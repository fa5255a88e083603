// AssemblyScript (compiled into the GEMM and depthwise modules by build/build-wasm.mjs, not by tsc).
// A convolution's epilogue on its outputs while they are still in this module's memory:
// the bias of each output plane, then a clamp (a fused Clip, ReLU6). f32 arithmetic as the
// TypeScript engine's (Conv's bias added, then Math.min/Math.max), with no extra pass.

/**
 * y = min(hi, max(lo, y + bias)) over `planes` planes of `size` floats from `at`; plane p
 * takes bias[p % channels] (bias at `bias`), or none when `hasBias` is 0. A zero bias is not
 * added (as the TypeScript engine skips it: −0 stays −0). lo, hi = −∞, +∞ clamp nothing.
 */
export function biasClamp(at: usize, planes: i32, size: i32, bias: usize, hasBias: i32, channels: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  const size4 = size - (size & 3);
  for (let p = 0; p < planes; p++) {
    const b: f32 = hasBias ? load<f32>(bias + (<usize>(p % channels) << 2)) : 0;
    const row = at + ((<usize>p * <usize>size) << 2);
    if (b != 0) {
      const vb = f32x4.splat(b);
      let i = 0;
      for (; i < size4; i += 4) {
        const a = row + (<usize>i << 2);
        v128.store(a, f32x4.min(f32x4.max(f32x4.add(v128.load(a), vb), vlo), vhi));
      }
      for (; i < size; i++) {
        const a = row + (<usize>i << 2);
        store<f32>(a, min<f32>(max<f32>(load<f32>(a) + b, lo), hi));
      }
    } else {
      let i = 0;
      for (; i < size4; i += 4) {
        const a = row + (<usize>i << 2);
        v128.store(a, f32x4.min(f32x4.max(v128.load(a), vlo), vhi));
      }
      for (; i < size; i++) {
        const a = row + (<usize>i << 2);
        store<f32>(a, min<f32>(max<f32>(load<f32>(a), lo), hi));
      }
    }
  }
}

/**
 * The engine has two speeds with one meaning. The reference engine (plain TypeScript
 * kernels, every reversal over full feature maps) is what tests trust; the optimised engine
 * adds the WebAssembly SIMD kernels and exact shortcuts (zero regions skipped, work shared
 * between layers) and must agree with it to 1e-5 on unit-norm results (issue 9).
 */
let optimised = true;

export function isOptimised(): boolean {
  return optimised;
}

/** Runs `f` with the engine set to `on`, restoring the previous setting afterwards. */
export function withOptimised<T>(on: boolean, f: () => T): T {
  const before = optimised;
  optimised = on;
  try {
    return f();
  } finally {
    optimised = before;
  }
}

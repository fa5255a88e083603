import { elementwise } from './activation';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf(x) to double precision's last few digits: Taylor series near 0, erfc's continued fraction beyond 3. */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (Number.isNaN(x)) return x;
  if (z < 3) {
    // erf z = 2/√π · Σ (−1)ⁿ z^(2n+1) / (n! (2n+1)); terms fall below 1e-17 relative by n ≈ 60.
    const z2 = z * z;
    let term = z;
    let sum = z;
    for (let n = 1; n < 100; n++) {
      term *= -z2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * TWO_OVER_SQRT_PI * sum;
  }
  if (z > 6) return Math.sign(x);
  return Math.sign(x) * (1 - erfcLarge(z));
}

/** erfc(z) for z ≥ 3: e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), by Lentz's method. */
function erfcLarge(z: number): number {
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = z + a * d;
    d = d === 0 ? 1 / tiny : 1 / d;
    c = z + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/** Erf (ONNX Operators.md#Erf): y' = 2/√π · e^(−x²). No linear counterpart: the surrogate linearises it at the reference. */
export const erfOp = elementwise({
  type: 'Erf',
  params: () => undefined,
  value: (x) => erf(x),
  derivative: (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x),
  surrogate: 'linearise',
});

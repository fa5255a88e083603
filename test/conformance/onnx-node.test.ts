import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { supportedOps } from '../../workers/engine/ops/index';
import { discoverCases, runCase, TESTDATA_ROOT, type ConformanceCase, type Outcome } from './onnx-cases';

/**
 * ONNX backend conformance (forward outputs against the expected ones) for every case
 * whose ops the engine supports; the set grows with supportedOps(). For single-node cases
 * of linear ops the reversal is checked too, by the adjoint identity.
 */
const present = existsSync(join(TESTDATA_ROOT, 'node'));
const supported = new Set(supportedOps());
const all = present ? discoverCases() : [];
const selected = all.filter((c) => c.graph && c.ops.every((op) => supported.has(op)));

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  adjointChecked: number;
  adjointFailed: number;
}
const tallies = new Map<string, Tally>();
const skipReasons: string[] = [];
const failures: string[] = [];

function record(c: ConformanceCase, outcome: Outcome): void {
  const t = tallies.get(c.group) ?? { passed: 0, failed: 0, skipped: 0, adjointChecked: 0, adjointFailed: 0 };
  tallies.set(c.group, t);
  const label = `${c.suite}/${c.name}`;
  if (outcome.status === 'pass') {
    t.adjointChecked += outcome.adjoint.checked;
    t.adjointFailed += outcome.adjoint.failures.length;
    for (const f of outcome.adjoint.failures) failures.push(`${label}: reversal: ${f}`);
    for (const f of outcome.adjoint.skipped) skipReasons.push(`${label}: reversal not checked: ${f}`);
    if (outcome.adjoint.failures.length > 0) t.failed++;
    else t.passed++;
  } else if (outcome.status === 'skip') {
    t.skipped++;
    skipReasons.push(`${label}: ${outcome.reason}`);
  } else {
    t.failed++;
    failures.push(`${label}: ${outcome.reason}`);
  }
}

describe.skipIf(!present)(`ONNX backend conformance (${TESTDATA_ROOT}; skipped when libonnx-testdata is not installed)`, () => {
  it('finds the test data and some cases the engine supports', () => {
    expect(all.length).toBeGreaterThan(900);
    expect(selected.length).toBeGreaterThan(0);
  });

  it.for(selected.map((c) => [`${c.group} · ${c.suite}/${c.name}`, c] as const))('%s', ([, c], context) => {
    const outcome = runCase(c);
    record(c, outcome);
    if (outcome.status === 'skip') {
      context.skip(outcome.reason);
      return;
    }
    expect(outcome.status === 'fail' ? outcome.reason : 'pass').toBe('pass');
    const reversal = outcome.status === 'pass' ? outcome.adjoint.failures : [];
    expect(reversal, 'the reversal disagrees with the forward pass (adjoint identity)').toEqual([]);
  });

  afterAll(() => {
    const rows = [...tallies.entries()].sort(([a], [b]) => a.localeCompare(b));
    const total = rows.reduce((s, [, t]) => ({ p: s.p + t.passed, f: s.f + t.failed, k: s.k + t.skipped, a: s.a + t.adjointChecked }), { p: 0, f: 0, k: 0, a: 0 });
    const lines = rows.map(([op, t]) => `  ${op.padEnd(28)} passed ${String(t.passed).padStart(3)}  failed ${String(t.failed).padStart(3)}  skipped ${String(t.skipped).padStart(3)}  reversal checks ${t.adjointChecked}${t.adjointFailed ? ` (${t.adjointFailed} wrong)` : ''}`);
    const unsupported = all.length - selected.length;
    console.log(
      [
        `ONNX conformance: ${total.p} passed, ${total.f} failed, ${total.k} skipped of ${selected.length} cases with supported ops ` +
          `(${unsupported} of ${all.length} cases use ops the engine does not support); ${total.a} reversal checks`,
        ...lines,
        ...(skipReasons.length ? ['skipped:', ...skipReasons.map((r) => `  ${r.slice(0, 240)}`)] : []),
        ...(failures.length ? ['failed:', ...failures.map((r) => `  ${r.slice(0, 400)}`)] : []),
      ].join('\n'),
    );
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'node', 'cli.js');
const model = join(root, 'test', 'fixtures', 'modes', 'relu_cnn.onnx');

/** The gallery's stderr, a progress line for every report (NEUROVIS_TEST_PROGRESS_MS=0). */
function galleryStderr(...args: string[]): string[] {
  const out = join(mkdtempSync(join(tmpdir(), 'neurovis-progress-')), 'g');
  const r = spawnSync(process.execPath, [cli, 'gallery', model, '--out', out, '--layers', 'output', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NEUROVIS_TEST_PROGRESS_MS: '0' },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr.trim().split('\n');
}

const count = (s: string): number => Number(s.replaceAll(',', ''));

/** The steps each line shows, with the layer it names (when a layer is under way). */
function stepsOf(lines: readonly string[]): { layer: string | undefined; done: number; total: number }[] {
  return lines.flatMap((line) => {
    // The pool's "N/M neurons, LAYER ascent …" or "…, ascent …" (no layer under way); the main thread's "N/M neurons LAYER n/m ascent …".
    const m = / neurons(?:, (\S+) | (\S+) \d+\/\d+ |, )ascent ([\d,]+)\/([\d,]+) steps, /.exec(line);
    return m ? [{ layer: m[1] ?? m[2], done: count(m[3]), total: count(m[4]) }] : [];
  });
}

beforeAll(() => {
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
});

describe('the progress line of an ascent gallery', () => {
  // relu_cnn's output layer: 5 neurons × 300 steps.
  for (const workers of ['1', '0']) {
    it(`shows the steps of the layer under way, growing to neurons × steps (--workers ${workers})`, () => {
      const lines = galleryStderr('--mode', 'ascent', '--ascent-style', 'readable', '--steps', '300', '--workers', workers);
      const steps = stepsOf(lines);
      expect(steps.every((s) => s.total === 1500)).toBe(true);
      const under = steps.filter((s) => s.layer === 'output' && s.done > 0 && s.done < 1500);
      expect(under.length).toBeGreaterThan(0);
      for (let i = 1; i < steps.length; i++) expect(steps[i].done).toBeGreaterThanOrEqual(steps[i - 1].done);
      expect(steps[steps.length - 1].done).toBe(1500);
      expect(steps.length).toBe(lines.filter((l) => l.startsWith('neurovis: ')).length);
    });
  }

  it('shows no steps in a mode that does not iterate', () => {
    const lines = galleryStderr('--mode', 'surrogate', '--workers', '1');
    expect(lines.some((l) => /^neurovis: 5\/5 neurons, /.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('steps'))).toBe(false);
  });
});

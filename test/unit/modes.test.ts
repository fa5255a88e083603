// The mode registry (workers/engine/modes) and what reads it: the CLI, the app's staleness.
import { describe, expect, it } from 'vitest';
import { computeNeurons } from '../../workers/engine/compute';
import { GALLERY_MODES, MODES, modeById } from '../../workers/engine/modes/index';
import { layerKeys } from '../../renderer/src/domain/affects';
import type { ResolvedCompute } from '../../renderer/src/domain/settings-types';
import { en } from '../../renderer/src/i18n/en';
import { zhCN } from '../../renderer/src/i18n/zh-CN';
import { parseArgs, UsageError, USAGE } from '../../cli/args';
import { packModel } from '../../workers/pool/pack';
import { summarize } from '../../workers/pool/summary';
import { loadModeNetwork } from '../fixtures/modes/load';

const lookup = (messages: object, key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], messages);

describe('the mode registry', () => {
  it('lists each mode once, with a name and a hint in every language', () => {
    expect(new Set(GALLERY_MODES).size).toBe(MODES.length);
    for (const m of MODES) {
      expect(modeById(m.id)).toBe(m);
      for (const messages of [en, zhCN]) {
        expect(typeof lookup(messages, m.labelKey), `${m.id} ${m.labelKey}`).toBe('string');
        expect(typeof lookup(messages, m.hintKey), `${m.id} ${m.hintKey}`).toBe('string');
      }
    }
  });

  it('is what the CLI accepts and documents', () => {
    for (const m of MODES) {
      expect(parseArgs(['gallery', 'm.onnx', '--out', 'o', '--mode', m.id])).toMatchObject({ mode: m.id });
      expect(USAGE).toContain(`  ${m.id.padEnd(10)} ${m.help}`);
    }
    expect(USAGE).toContain(`--mode auto|${GALLERY_MODES.join("|")}`);
    expect(() => parseArgs(['gallery', 'm.onnx', '--out', 'o', '--mode', 'nope'])).toThrow(UsageError);
  });
});

describe('the surrogate at gates: the reference input changes the layers behind a gate', () => {
  const { model, x0 } = loadModeNetwork('squeeze_excite');
  const summary = summarize(model, 'd', packModel(model, false));
  const surrogate: ResolvedCompute = { mode: 'surrogate', objective: 'neuron', position: [0, 0], radius: 1, valueRange: 'auto', ascentSteps: 200, preview: 0 };
  const stale = [...layerKeys(summary, surrogate, null)].filter(([id, key]) => layerKeys(summary, surrogate, 'x0#1').get(id) !== key).map(([id]) => id);

  it('the engine agrees: x* moves with the reference exactly on the layers the app marks stale', () => {
    expect(summary.gateNodes.length).toBeGreaterThan(0);
    expect(stale.length).toBeGreaterThan(0);
    let movedLayers = 0;
    for (const layer of model.layers) {
      const at = (reference?: Float32Array) => computeNeurons(model, layer.id, [0], { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1, reference }).xstar;
      const zero = at();
      const moved = at(x0).some((v, i) => Math.abs(v - zero[i]) > 1e-6);
      // A layer whose x* moves must be marked stale; a layer marked stale may not move (the
      // marking is by topological position), but the layers before the first gate never do.
      if (moved) expect(stale, layer.id).toContain(layer.id);
      if (moved) movedLayers++;
    }
    expect(movedLayers).toBeGreaterThan(0);
  });

  it('the settings panel and the staleness agree on which modes read the reference', () => {
    for (const m of MODES) {
      const local = { ...surrogate, mode: m.id };
      const changed = [...layerKeys(summary, local, null)].some(([id, key]) => layerKeys(summary, local, 'x0#1').get(id) !== key);
      expect(changed, m.id).toBe(m.reference !== 'never');
    }
  });
});

import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { GalleryPool, GallerySettings, ModelSummary, PoolProgress, StepsProgress } from '../../../workers/pool/api';
import { modeById } from '../../../workers/engine/modes/index';
import { formatBytes, formatDuration } from '../../../workers/engine/estimate';
import { layerKeys } from '../domain/affects';
import { estimateRun, memoryBudget } from '../domain/budget';
import { i18n } from '../i18n';
import { currentPool } from '../services/pool';
import { useGallery } from './gallery';
import { useNotices } from './notices';
import { useSettings } from './settings';
import { errorMessage } from '../../../workers/engine/graph';

/**
 * The work on the pool: which run is current, its progress and ETA, cancel. A change of
 * compute settings recomputes only the layers whose results it changes (domain/affects.ts).
 */
export const useJobs = defineStore('jobs', () => {
  const gallery = useGallery();
  const settings = useSettings();
  const notices = useNotices();
  const t = i18n.global.t;

  const generation = ref(0);
  const progress = shallowRef<PoolProgress | null>(null);
  /** Layers the current run computes. */
  const runLayers = ref<string[]>([]);
  const cancelled = ref(false);
  /** Every run started, for the status line (and for tests to see that nothing ran). */
  const runs = ref(0);

  const running = computed(() => {
    const p = progress.value;
    return p !== null && p.generation === generation.value && p.done < p.total && !cancelled.value;
  });

  let attached: GalleryPool | undefined;
  let detach: (() => void)[] = [];

  /** Listens to a (new) pool's events. */
  function attach(pool: GalleryPool): void {
    if (attached === pool) return;
    detach.forEach((f) => f());
    attached = pool;
    detach = [
      pool.onResult((result) => gallery.accept(result)),
      pool.onProgress((p) => {
        if (p.generation === generation.value) progress.value = p;
      }),
      pool.onError((e) => {
        if (e.generation !== generation.value) return;
        gallery.fail(e);
        notices.error(e.message, e.layer || undefined, 'layer');
      }),
    ];
  }

  /** Starts work for every layer whose results are missing or stale under the current settings. */
  function recompute(): void {
    const pool = currentPool();
    const summary = gallery.summary;
    if (!pool || !summary) return;
    attach(pool);
    const keys = layerKeys(summary, settings.effective, settings.referenceId);
    const neuronLimit = settings.effective.preview > 0 ? settings.effective.preview : undefined;
    const { changed, needed } = gallery.prepare(keys, runSettings(summary), neuronLimit);
    // Nothing changed and the current run already covers what is missing: let it go on.
    if (changed.length === 0 && running.value) return;
    if (needed.length === 0) {
      runLayers.value = [];
      return;
    }
    ask.value = null;
    if (!withinBudget(summary, needed, neuronLimit, [...keys.values()].join('\n'))) {
      cancelled.value = true;
      return;
    }
    cancelled.value = false;
    runLayers.value = needed;
    runs.value++;
    try {
      generation.value = pool.run(runSettings(summary), needed, { neuronLimit });
      progress.value = pool.progress();
    } catch (e) {
      notices.error(errorMessage(e));
    }
  }

  /** The run the user agreed to past the time budget (its model and layer keys): not asked again. */
  let agreed = '';
  /** The question shown (BudgetAsk.vue) while a run past the time budget waits for the user. */
  const ask = shallowRef<{ readonly text: string; readonly key: string } | null>(null);

  /**
   * Before any work (issue 16): past a quarter of the memory the run never starts (an error
   * says how to make it smaller); past ~10 minutes of work the user is asked first, and the
   * run waits for the answer (answerAsk).
   */
  function withinBudget(summary: ModelSummary, layers: readonly string[], neuronLimit: number | undefined, key: string): boolean {
    const nav = globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined;
    const workers = settings.workers > 0 ? settings.workers : Math.max(1, (nav?.hardwareConcurrency ?? 2) - 1);
    const run = estimateRun(summary, layers, runSettings(summary), { neuronLimit, workers, memoryBytes: memoryBudget(nav?.deviceMemory) });
    const biggest = run.verdict.biggest;
    const estimate = t('budget.estimate', { neurons: run.estimate.neurons.toLocaleString(), time: formatDuration(run.estimate.seconds), workers, memory: formatBytes(run.estimate.bytes) }, workers);
    const params = { estimate, layer: biggest?.id ?? '', neurons: (biggest?.neurons ?? 0).toLocaleString() };
    if (run.verdict.overMemory) {
      notices.error(t('budget.overMemory', params));
      return false;
    }
    const runKey = `${summary.digest}\n${key}`;
    if (!run.verdict.overTime || agreed === runKey) return true;
    ask.value = { text: t('budget.overTime', params), key: runKey };
    return false;
  }

  /** The user's answer to the question past the time budget: start the run, or leave it. */
  function answerAsk(start: boolean): void {
    const asked = ask.value;
    if (!asked) return;
    ask.value = null;
    if (!start) {
      notices.info(t('budget.declined'));
      return;
    }
    agreed = asked.key;
    recompute();
  }

  /**
   * What the pool computes with. Every reversal rule gives a linear network the same x*
   * (domain/affects.ts), and the exact mode gets there without a forward pass per neuron.
   */
  function runSettings(summary: ModelSummary): GallerySettings {
    const s = settings.gallerySettings;
    if (summary.nonlinearNodes.length > 0 || !modeById(s.mode).closedFormOnLinear) return s;
    return { mode: 'exact', objective: s.objective, radius: s.radius };
  }

  function cancel(): void {
    currentPool()?.cancel();
    cancelled.value = true;
  }

  /** Runs again what was cancelled or failed. */
  function resume(): void {
    gallery.clearFailures();
    recompute();
  }

  /** Visible neurons go first (called as the user scrolls and opens neurons). */
  function prioritize(layer: string, neurons: readonly number[]): void {
    const pool = currentPool();
    if (!pool || !running.value || neurons.length === 0) return;
    const data = gallery.layerData(layer);
    const pending = data ? data.pending(neurons) : [...neurons];
    if (pending.length > 0) pool.prioritize(layer, pending);
  }

  watch(
    () => [settings.effective, settings.referenceId] as const,
    () => recompute(),
  );

  const etaMs = computed(() => (running.value ? (progress.value?.etaMs ?? null) : null));

  /** Ascent steps (counted per neuron) of the run's layers under way: started and not yet complete. */
  const layerSteps = computed(() => {
    const steps = new Map<string, StepsProgress>();
    if (!running.value) return steps;
    for (const l of progress.value?.layers ?? []) if (l.steps && l.steps.done > 0 && l.done < l.total) steps.set(l.layer, l.steps);
    return steps;
  });

  return { generation, progress, runLayers, running, cancelled, runs, etaMs, layerSteps, ask, answerAsk, attach, recompute, cancel, resume, prioritize };
});

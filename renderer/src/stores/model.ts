import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { LoadOptions, ModelSummary } from '../../../workers/pool/api';
import { modeById } from '../../../workers/engine/modes/index';
import { getHost, type ModelFile, type OpenedModel } from '../host/index';
import { ensurePool } from '../services/pool';
import { pageBudget } from '../domain/budget';
import { useGallery } from './gallery';
import { useJobs } from './jobs';
import { messageOf, useNotices } from './notices';
import { useSettings } from './settings';

export type ModelOrigin = 'file' | 'example' | 'builder';

/**
 * The open model: loading files through the pool (read and prepared in a worker), keeping
 * the open model when a new file fails, reloading when the input shape or worker count changes.
 */
export const useModel = defineStore('model', () => {
  const gallery = useGallery();
  const jobs = useJobs();
  const settings = useSettings();
  const notices = useNotices();

  const files = shallowRef<readonly ModelFile[]>([]);
  const origin = ref<ModelOrigin>('file');
  /** Name of the file being read, while it is. */
  const loading = ref<string | null>(null);
  /** Files whose load failed, kept so a new input shape can retry them. */
  const failed = shallowRef<readonly ModelFile[] | null>(null);
  let attempt = 0;

  const summary = computed<ModelSummary | null>(() => gallery.summary);
  const isOpen = computed(() => summary.value !== null);
  const title = computed(() => summary.value?.source.fileName ?? files.value[0]?.name ?? '');
  const isNonlinear = computed(() => (summary.value?.nonlinearNodes.length ?? 0) > 0);

  function loadOptions(): LoadOptions {
    const shape = settings.parsedInputShape;
    const image = settings.parsedImageShape;
    return {
      // The app's budget, not the engine's default: reading a model never takes more than the app allows.
      memoryBudget: pageBudget(),
      ...(shape && shape.length > 0 ? { inputShape: shape } : {}),
      ...(settings.inputLayout ? { inputLayout: settings.inputLayout } : {}),
      ...(image && image.length === 2 ? { imageShape: image } : {}),
    };
  }

  /** The overrides the open (or opening) model was read with: a change of them reads it again. */
  const overridesKey = (): string => `${settings.inputLayout}|${settings.parsedImageShape?.join(',') ?? ''}`;
  let applied = overridesKey();

  /** The layout and image-shape overrides belong to the model they were set for. */
  function sameFiles(a: readonly ModelFile[], b: readonly ModelFile[]): boolean {
    return a.length === b.length && a.every((f, i) => f.name === b[i].name && f.bytes.length === b[i].bytes.length);
  }

  /** Opens a model; on failure the error is shown and the model that was open stays open. */
  async function open(opened: OpenedModel, from: ModelOrigin = 'file'): Promise<boolean> {
    for (const e of opened.errors) notices.error(e.message, e.name);
    if (opened.files.length === 0) return false;
    if (!sameFiles(opened.files, files.value) && !(failed.value && sameFiles(opened.files, failed.value))) {
      settings.inputLayout = '';
      settings.imageShape = '';
    }
    applied = overridesKey();
    const mine = ++attempt;
    loading.value = opened.files[0].name;
    try {
      const { pool } = await ensurePool(settings.workers);
      jobs.attach(pool);
      let next: ModelSummary;
      try {
        next = await pool.load(opened.files, loadOptions());
      } catch (e) {
        if (mine !== attempt) return false;
        notices.error(messageOf(e), opened.files[0].name);
        failed.value = opened.files;
        resumeAfterFailure();
        return false;
      }
      if (mine !== attempt) return false;
      if (failed.value) notices.dismissContext(opened.files[0].name);
      failed.value = null;
      files.value = opened.files;
      origin.value = from;
      gallery.reset(next);
      const exactRefused = next.nonlinearNodes.length > 0 && modeById(settings.compute.mode).linearOnly;
      settings.autoMode = exactRefused ? 'surrogate' : null;
      if (exactRefused) notices.info('notice.nonlinearSurrogate', next.source.fileName);
      jobs.recompute();
      if (from === 'file') void getHost().rememberModel(opened);
      return true;
    } catch (e) {
      if (mine === attempt) notices.error(messageOf(e), opened.files[0].name);
      return false;
    } finally {
      if (mine === attempt) loading.value = null;
    }
  }

  /** A failed load leaves the pool's model in place but cancels its run: take the work up again. */
  function resumeAfterFailure(): void {
    if (summary.value) jobs.resume();
  }

  /** Reads the open model again (new input shape or worker count) and recomputes everything. */
  async function reload(): Promise<void> {
    if (files.value.length === 0) return;
    await open({ files: files.value, errors: [] }, origin.value);
  }

  function close(): void {
    attempt++;
    jobs.cancel();
    files.value = [];
    loading.value = null;
    gallery.reset(null);
  }

  watch(
    () => settings.inputShape,
    () => {
      if (settings.parsedInputShape === null) return;
      if (failed.value) void open({ files: failed.value, errors: [] });
      else if (isOpen.value) void reload();
    },
  );
  watch(
    () => [settings.inputLayout, settings.imageShape],
    () => {
      if (settings.parsedImageShape === null || overridesKey() === applied) return;
      if (failed.value) void open({ files: failed.value, errors: [] });
      else if (isOpen.value) void reload();
    },
  );
  watch(
    () => settings.workers,
    () => {
      if (isOpen.value) void reload();
    },
  );

  return { files, origin, loading, summary, isOpen, title, isNonlinear, failed, open, reload, close, loadOptions };
});

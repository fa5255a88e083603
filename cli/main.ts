import { computeNeurons, allNeurons, radiusOfLayer, resolveMode, stepsPerNeuron, type GallerySettings } from '../workers/engine/compute';
import { version } from '../package.json';
import { ModelError, errorMessage, printable } from '../workers/engine/graph';
import { modeById } from '../workers/engine/modes/index';
import { prepare, type LayerInfo, type PreparedModel } from '../workers/engine/prepare';
import { computeGallery } from '../workers/pool/gallery';
import { digestFiles } from '../workers/pool/digest';
import { canShareMemory, packModel } from '../workers/pool/pack';
import { summarize } from '../workers/pool/summary';
import type { LayerResult } from '../workers/engine/layer-result';
import type { InputFile } from '../workers/formats/types';
import { createNodePool, defaultNodePoolSize } from '../workers/pool/node';
import { denseSourceBytes } from '../workers/pool/pool';
import { neuronCount } from '../workers/engine/reverse';
import { layerById } from '../workers/engine/seeds';
import { checkBudget, DEFAULT_TIME_BUDGET_SECONDS, type GalleryEstimate, describeEstimate, estimateGallery, estimatedMode, flopsPerNeuron, forwardSizes, layerAscends, layerWork, formatBytes, formatDuration, defaultMemoryBudget } from '../workers/engine/estimate';
import { freemem } from 'node:os';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryBudget, setMemoryBudget, WAY_OUT } from '../workers/engine/budget';
import { knownFromResults, reusedLayers } from '../workers/engine/reuse';
import { formatShape, sizeOf } from '../workers/engine/tensor';
import { DEFAULT_VALUE_RANGE, midGrey } from '../workers/engine/value-range';
import { buildManifest, safeFileNames, type GalleryLayer } from '../workers/export/manifest';
import { readModel } from '../workers/formats/index';
import { decodeNpy } from '../workers/formats/numpy/npy';
import { parseArgs, UsageError, USAGE, type GalleryArgs, type InfoArgs } from './args';
import { readInputFiles, readModelFiles, writeInto } from './files';
import { cleanUpOnSignals, stageGallery } from './staging';
import { layerDrawing, LayerImages } from './images';
import { LayerStream } from './layer-stream';
import { dataUnitsOf } from '../workers/imaging/data-units';
import { DEFAULT_SHEET_OPTIONS } from '../workers/export/layer-images';
import { Progress } from './progress';
import { checkLayers, checkModeFits, SettingError } from '../workers/settings/validate';


/** The model, read once: the pool's workers get it packed from here, not from the files again. */
interface LoadedModel {
  readonly model: PreparedModel;
  readonly files: readonly InputFile[];
}

async function loadModel(args: GalleryArgs | InfoArgs): Promise<LoadedModel> {
  // One budget for reading, folding and the gallery (engine/budget.ts), set before any of them.
  setMemoryBudget(args.memoryBudget ?? defaultMemoryBudget(freemem()));
  const files = await readModelFiles(args.files);
  const graph = readModel(files, { orientation: args.orientation });
  return { files, model: prepare(graph, { inputShape: args.inputShape, inputLayout: args.inputLayout, imageShape: args.imageShape }) };
}

/** A radius for `info`: four significant digits. */
function formatRadius(r: number): string {
  return Number(r.toPrecision(4)).toString();
}

async function info(args: InfoArgs): Promise<void> {
  const { model } = await loadModel(args);
  const range = model.graph.inputRange ?? DEFAULT_VALUE_RANGE;
  const s = model.graph.source;
  const lines = [
    `${s.fileName}: ${s.format}${s.producer ? ` (${s.producer})` : ''}${s.opset ? `, opset ${s.opset}` : ''}`,
    `input ${model.inputName} ${formatShape(model.inputFeatureShape)} ${model.inputLayout}`,
    ...(model.graph.quantization ? [`quantised (${model.graph.quantization.scheme}): ${model.graph.quantization.description}`] : []),
    ...(s.notes ?? []).map((n) => `note: ${n}`),
    model.nonlinearNodes.length > 0 ? `nonlinear nodes: ${model.nonlinearNodes.join(', ')}` : 'linear: the exact mode applies',
    `${model.layers.length} layers:`,
    ...model.layers.map((l) => `  ${l.id}\t${l.op}\t${formatShape(l.outputShape)}\t${l.neurons} neurons\tr ${formatRadius(radiusOfLayer(model, l.id, { radius: { range }, objective: { kind: 'neuron' } }))}`),
    `r: the default radius ¼·(hi−lo)·√(values in the layer's receptive field), value range [${range[0]}, ${range[1]}]${model.graph.inputRange ? ' (the model’s)' : ' (assumed; --value-range)'}; --radius R sets one for every layer`,
    describeDefaultGallery(model),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** Writes the gallery; returns the layers that failed (the others are complete in --out). */
async function gallery(args: GalleryArgs): Promise<FailedLayer[]> {
  // The temporary folder first: an unwritable --out fails before the model is read.
  const staging = stageGallery(args.out);
  const stopCleanUp = cleanUpOnSignals(staging);
  try {
    const failed = await writeGallery(args, staging.dir);
    staging.commit();
    return failed;
  } finally {
    staging.discard();
    stopCleanUp();
  }
}

interface FailedLayer {
  layer: string;
  reason: string;
}

async function writeGallery(args: GalleryArgs, out: string): Promise<FailedLayer[]> {
  const loaded = await loadModel(args);
  const { model } = loaded;
  let reference: Float32Array | undefined;
  if (args.reference) {
    const [file] = await readInputFiles([args.reference]);
    const t = decodeNpy(file.bytes, args.reference);
    if (t.data.length !== sizeOf(model.inputFeatureShape)) {
      throw new ModelError(`${args.reference}: the reference has shape ${formatShape(t.shape)}; the model takes ${formatShape(model.inputFeatureShape)}`);
    }
    reference = Float32Array.from(t.data);
  }
  const mode = resolveMode(args.mode, model);
  const values = sizeOf(model.inputFeatureShape);
  const valueRange = args.valueRange ?? model.graph.inputRange ?? DEFAULT_VALUE_RANGE;
  // Local, deconvnet and guided linearise at a mid-grey image in the data range, unless told otherwise.
  if (!reference && modeById(mode).reference === 'always') reference = midGrey(valueRange, values);
  const radius = args.radius ?? { range: valueRange };
  const ascent = args.ascentStyle !== undefined || args.steps !== undefined || args.seed !== undefined ? { style: args.ascentStyle, steps: args.steps, seed: args.seed, range: valueRange } : undefined;
  const settings: GallerySettings = { mode, objective: { kind: args.objective }, radius, reference, ascent };
  checkModeFits(settings.mode, model);
  const units = dataUnitsOf(settings, valueRange, values);
  const layers = checkLayers(args.layers, model).map((id) => layerById(model, id));
  const workers = args.workers ?? defaultNodePoolSize();
  checkEstimate(model, layers, settings, args, workers);

  // Each result's rows are written as soon as it comes, and dropped (issue 18: a 224-pixel
  // gallery's x* do not fit in memory at once); the manifest keeps the statistics.
  const npyNames = safeFileNames(layers.map((l) => l.id), '.npy');
  const imageBases = safeFileNames(layers.map((l) => l.id), '');
  const index = new Map(layers.map((l, i) => [l.id, i]));
  const written = new Map<string, GalleryLayer>();
  const drawsImages = args.formats.includes('png') || args.formats.includes('svg');
  const streams = new Map<string, LayerStream>();
  const images = new Map<string, LayerImages>();
  const streamOf = (id: string): LayerStream => {
    let s = streams.get(id);
    if (!s) {
      const i = index.get(id)!;
      const neurons = chosenNeurons(model, layers[i], settings, args.neurons);
      const drawing = drawsImages ? layerDrawing(model, layers[i], settings.objective.kind, units) : null;
      const files = drawing ? new LayerImages(out, imageBases[i], drawing, args.formats, { ...DEFAULT_SHEET_OPTIONS, stretch: args.stretchContrast }, neurons.length) : null;
      s = new LayerStream(id, model.inputFeatureShape, neurons, args.formats.includes('npy') ? { dir: out, name: npyNames[i] } : null, drawing && files ? { drawing, files } : null);
      streams.set(id, s);
      if (files) images.set(id, files);
    }
    return s;
  };
  let writing = Promise.resolve();
  const sink: LayerSink = {
    part: (r) => streamOf(r.layer).add(r),
    done: (id) => {
      const stream = streamOf(id);
      streams.delete(id);
      const i = index.get(id)!;
      const files = images.get(id);
      images.delete(id);
      writing = writing.then(async () => {
        const layer = galleryLayer(layers[i], settings, await stream.finish());
        await files?.writeSheets(layer);
        written.set(id, layer);
      });
      return writing;
    },
  };
  let failed: FailedLayer[] = [];
  if (workers === 0) failed = await computeHere(model, layers, settings, args, sink);
  else failed = await computeOnPool(loaded, args, layers, settings, workers, sink);
  await writing;
  // A layer that failed (after its job's retry) leaves no files: the manifest names it and why.
  for (const f of failed) {
    const i = index.get(f.layer)!;
    written.delete(f.layer);
    await removeLayerFiles(out, npyNames[i].replace(/\.npy$/, ''), imageBases[i]);
  }

  if (args.formats.includes('json')) {
    const kept = layers.map((_, i) => i).filter((i) => written.has(layers[i].id));
    const results = kept.map((i) => written.get(layers[i].id)!);
    const layout = { inputShape: model.inputFeatureShape, inputLayout: model.inputLayout, imageShape: model.imageShape };
    const manifest = buildManifest(model.graph.source, layout, settings, results, kept.map((i) => npyNames[i]), model.graph.quantization);
    await writeInto(out, 'manifest.json', JSON.stringify({ ...manifest, valueRange: [...valueRange], ...(failed.length > 0 ? { failed } : {}) }, null, 1) + '\n');
  }
  return failed;
}

/** Removes what a layer wrote: '<base>.npy', '<base>.png', '<base>.sheetK.svg' …, the folder '<base>/' (bases hold no dot). */
async function removeLayerFiles(out: string, ...bases: string[]): Promise<void> {
  for (const name of await readdir(out)) {
    if (bases.some((b) => name === b || name.startsWith(`${b}.`))) await rm(join(out, name), { recursive: true, force: true });
  }
}

/**
 * Before any work: neurons, time and memory of the gallery (engine/estimate.ts). Past the memory
 * budget (25% of free memory) it never starts; past ~10 minutes it starts only with --force.
 */
function checkEstimate(model: PreparedModel, layers: readonly LayerInfo[], settings: GallerySettings, args: GalleryArgs, workers: number): void {
  const threads = Math.max(1, workers);
  const estimate = galleryEstimate(model, layers, settings, args.neurons, threads, workers > 0);
  const budget = { seconds: DEFAULT_TIME_BUDGET_SECONDS, bytes: memoryBudget() };
  const verdict = checkBudget(estimate, budget);
  if (verdict.overMemory || (verdict.overTime && !args.force)) {
    const biggest = verdict.biggest!;
    const limits = verdict.overMemory ? `${formatBytes(budget.bytes)} (${args.memoryBudget === undefined ? 'a quarter of free memory, at most 2 GB' : '--memory-budget'})` : `${formatDuration(budget.seconds)} of work`;
    const head = `${model.graph.source.fileName}: this gallery is too big to start: ${describeEstimate(estimate, threads)}, past the budget of ${limits}`;
    if (verdict.overFixed) throw new ModelError(`${head}; ${fixedAdvice(estimate)}`);
    throw new ModelError(
      `${head}; ` +
        `the biggest layer is "${biggest.id}" (${biggest.neurons.toLocaleString('en-US')} neurons, ${verdict.overMemory ? formatBytes(biggest.bytes) : `about ${formatDuration(biggest.seconds)}`}). ` +
        `Use --objective channel, --layers ID,… or --neurons N${verdict.overMemory ? '' : ' (or --force to start anyway)'}`,
    );
  }
  if (!args.quiet) process.stderr.write(`estimate: ${describeEstimate(estimate, threads)}\n`);
}

/**
 * When what the process takes whatever the layers and neurons (the model, each worker's forward
 * values: estimate.fixedBytes) is past the budget, fewer layers or neurons cannot help: the
 * advice to give instead (checkBudget's overFixed).
 */
function fixedAdvice(estimate: GalleryEstimate): string {
  return `the model and its workers alone take ${formatBytes(estimate.fixedBytes ?? 0)}, whatever the layers and neurons${WAY_OUT}`;
}

/** Neurons, time and memory of a gallery of `layers` (engine/estimate.ts); each result's rows are written as they come. */
function galleryEstimate(
  model: PreparedModel, layers: readonly LayerInfo[], settings: Pick<GallerySettings, 'mode' | 'objective' | 'ascent'>, neuronLimit: number | undefined, workers: number, onPool: boolean,
): GalleryEstimate {
  const costs = layers.map((l) => ({ id: l.id, neurons: neuronCount(l, settings.objective), flopsPerNeuron: flopsPerNeuron(model, l), ascends: layerAscends(model, l), work: layerWork(model, l) }));
  return estimateGallery(costs, sizeOf(model.inputFeatureShape), {
    neuronLimit,
    workers,
    streamed: true,
    mode: estimatedMode(settings),
    ...(onPool && { denseSourceBytes: denseSourceBytes(memoryBudget(), canShareMemory()) }),
    memory: { ...forwardSizes(model), weightBytes: constantBytes(model), sharedWeights: onPool, budgetBytes: memoryBudget() },
    ascentSteps: stepsPerNeuron(settings),
    ascentStyle: settings.ascent?.style,
  });
}

/** Bytes of the model's folded constants (its weights, as the workers get them). */
function constantBytes(model: PreparedModel): number {
  let bytes = 0;
  for (const t of model.constants.values()) bytes += t.data.byteLength;
  return bytes;
}

/** info's last line: what a gallery of every layer with the default settings would take, against the budget. */
function describeDefaultGallery(model: PreparedModel): string {
  const workers = Math.max(1, defaultNodePoolSize());
  const estimate = galleryEstimate(model, model.layers, { mode: resolveMode('auto', model), objective: { kind: 'neuron' } }, undefined, workers, true);
  const verdict = checkBudget(estimate, { seconds: DEFAULT_TIME_BUDGET_SECONDS, bytes: memoryBudget() });
  const biggest = verdict.biggest ? ` (layer "${verdict.biggest.id}": ${formatBytes(verdict.biggest.bytes)} of x*)` : '';
  const advice = verdict.overFixed ? `: ${fixedAdvice(estimate)}` : `${biggest}: use --objective channel, --layers ID,… or --neurons N`;
  const over = verdict.overMemory ? `, past the memory budget of ${formatBytes(memoryBudget())}${advice}` : verdict.overTime ? ', past ~10 minutes: gallery asks for --force' : '';
  return `gallery estimate (every layer, every neuron): ${describeEstimate(estimate, workers)}${over}`;
}

/** The neurons a gallery computes in a layer: all, or a preview's first N. */
function chosenNeurons(model: PreparedModel, layer: LayerInfo, settings: GallerySettings, limit: number | undefined): number[] {
  const all = allNeurons(model, layer.id, settings.objective);
  return limit === undefined ? all : all.slice(0, limit);
}

/** A layer's results as the gallery writes them: with the layer, and its neuron count when a preview holds fewer. */
function galleryLayer(layer: LayerInfo, settings: GallerySettings, result: LayerResult): GalleryLayer {
  const total = neuronCount(layer, settings.objective);
  return { ...result, info: layer, ...(result.neurons.length < total ? { total } : {}) };
}

/** Where results go: each result as it comes, then each layer once it is complete. */
interface LayerSink {
  part(r: LayerResult): void;
  /** Resolves once the layer's files are written. */
  done(layer: string): Promise<void>;
}

/** Every neuron of every chosen layer, on this thread (`--workers 0`). */
async function computeHere(model: PreparedModel, layers: readonly LayerInfo[], settings: GallerySettings, args: GalleryArgs, sink: LayerSink): Promise<FailedLayer[]> {
  const failed: FailedLayer[] = [];
  const progress = new Progress(layers.map((l) => ({ id: l.id, total: chosenNeurons(model, l, settings, args.neurons).length })), args.quiet);
  // Each layer may reuse the results of the layers before it (engine/reuse.ts), as on the pool;
  // a result is dropped once no layer after it reuses it.
  const done = new Map<string, { neurons: readonly number[]; xstar: Float32Array; norms: Float32Array; activations: Float32Array }>();
  const known = modeById(settings.mode).reusesKnown ? knownFromResults(done) : undefined;
  for (const layer of layers) {
    const neurons = chosenNeurons(model, layer, settings, args.neurons);
    let r: LayerResult;
    try {
      throwTestFault(layer.id, neurons);
      const perNeuron = stepsPerNeuron(settings);
      // A job's steps (a batch's, or each neuron's in turn) counted per neuron, as the pool counts them.
      const onSteps = perNeuron === undefined ? undefined : (d: number, t: number) => progress.stepped(layer.id, { done: Math.round((t > 0 ? d / t : 1) * neurons.length * perNeuron), total: neurons.length * perNeuron });
      r = computeNeurons(model, layer.id, neurons, settings, known, onSteps);
    } catch (e) {
      // As on the pool: the layer is reported in the manifest's "failed", the others complete.
      failed.push({ layer: layer.id, reason: e instanceof Error ? e.message : String(e) });
      progress.advance(layer.id, neurons.length);
      continue;
    }
    done.set(layer.id, r);
    progress.advance(layer.id, neurons.length);
    sink.part(r);
    // Written before the next layer, so its rows can go.
    await sink.done(layer.id);
    const later = layers.slice(layers.indexOf(layer) + 1);
    for (const id of [...done.keys()]) if (!later.some((l) => reusedLayers(l, settings.mode).includes(id))) done.delete(id);
  }
  progress.finish();
  return failed;
}

/** The same on the worker pool (`--workers N`, default every core). */
async function computeOnPool(
  { model, files }: LoadedModel, args: GalleryArgs, layers: readonly LayerInfo[], settings: GallerySettings, workers: number, sink: LayerSink,
): Promise<FailedLayer[]> {
  // No cache: a gallery is computed once; the run keeps only what its layers reuse (pool/reuse-hold.ts).
  // The workers share the memory budget (engine/budget.ts workerBudget).
  const pool = createNodePool({ size: workers, cacheBytes: 0, memoryBudget: memoryBudget(), ...testJobTimeout() });
  try {
    injectTestFault(pool);
    const packed = packModel(model, pool.sharesWeights);
    await pool.loadPacked(summarize(model, digestFiles(files), packed), packed);
    const progress = new Progress(layers.map((l) => ({ id: l.id, total: 0 })), args.quiet);
    const outcome = await computeGallery(
      pool, settings, layers.map((l) => l.id),
      (p) => progress.report(p),
      { neuronLimit: args.neurons },
      (id) => void sink.done(id),
      (r) => {
        sink.part(r);
        return { ...r, xstar: new Float32Array(0) };
      },
    );
    progress.finish();
    const failed = new Map<string, string>();
    for (const e of outcome.errors) if (!failed.has(e.layer)) failed.set(e.layer, e.message);
    return [...failed].map(([layer, reason]) => ({ layer, reason }));
  } finally {
    await pool.terminate();
  }
}

/**
 * Test-only: NEUROVIS_TEST_FAULT="exit|throw|spin:LAYER:NEURON:TIMES" makes the pool's jobs holding that
 * neuron kill their worker, throw or wedge it (workers/pool injectFault), to test replacement and partial galleries.
 */
function injectTestFault(pool: ReturnType<typeof createNodePool>): void {
  const spec = process.env.NEUROVIS_TEST_FAULT?.split(':');
  if (!spec || spec.length !== 4 || (spec[0] !== 'exit' && spec[0] !== 'throw' && spec[0] !== 'spin')) return;
  pool.injectFault(spec[0], spec[1], Number(spec[2]), Number(spec[3]));
}

/** Test-only: NEUROVIS_TEST_FAULT="throw:LAYER:NEURON:…" fails that layer with `--workers 0` too. */
function throwTestFault(layer: string, neurons: readonly number[]): void {
  const spec = process.env.NEUROVIS_TEST_FAULT?.split(':');
  if (spec?.[0] === 'throw' && spec[1] === layer && neurons.includes(Number(spec[2]))) throw new Error('injected fault: this layer fails on purpose');
}

/** Test-only: NEUROVIS_TEST_JOB_TIMEOUT_MS shortens the least time a job may take (a wedged worker is found sooner). */
function testJobTimeout(): { minJobTimeoutMs?: number } {
  const ms = Number(process.env.NEUROVIS_TEST_JOB_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? { minJobTimeoutMs: ms } : {};
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.command === 'help') {
      process.stdout.write(USAGE + '\n');
    } else if (args.command === 'version') {
      process.stdout.write(`neurovis ${version}\n`);
    } else if (args.command === 'info') {
      await info(args);
    } else {
      const failed = await gallery(args);
      if (failed.length > 0) {
        // Partial success (exit 3): the other layers are complete in --out.
        const list = failed.map((f) => `"${f.layer}" (${f.reason})`).join('; ');
        process.stderr.write(`neurovis: ${failed.length} layer${failed.length === 1 ? '' : 's'} failed and ${failed.length === 1 ? 'is' : 'are'} listed in the manifest's "failed": ${list}; the other layers are in ${args.out}\n`);
        return 3;
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof SettingError) {
      process.stderr.write(`neurovis: ${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`neurovis: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    // One line, whatever a file's names hold. A TypeError, RangeError … is a fault of Neurovis, not of the
    // file: it says so, without the class name (our own messages are ModelErrors or plain Errors).
    const message = printable(errorMessage(e));
    const known = e instanceof ModelError || !(e instanceof Error) || e.name === 'Error';
    process.stderr.write(known ? `neurovis: ${message}\n` : `neurovis: internal error: ${message} (run with NEUROVIS_DEBUG=1 for the trace, and report it)\n`);
    if (!known && process.env.NEUROVIS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}



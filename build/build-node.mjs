// Bundles the Node side of Neurovis with esbuild (run by `npm install` through "prepare"):
//   cli/index.ts (the launcher: cli/allocator.ts) → dist/node/cli.js, cli/run.ts (which runs
//   cli/main.ts) → dist/node/cli-run.js, workers/worker.ts → dist/node/worker.js,
//   bench/main.ts → dist/node/bench.js (when present).
// ES modules; npm packages stay external and load from node_modules at run time, so
// `threads` runs as the CommonJS it ships (its `eval("require")` fails inside an ES
// bundle: threads.js#382). The pool finds worker.js beside the bundle that imports it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const ENTRIES = {
  cli: () => (existsSync(join(root, 'cli/index.ts')) ? 'cli/index.ts' : 'cli/main.ts'),
  'cli-run': () => 'cli/run.ts',
  worker: () => 'workers/worker.ts',
  bench: () => 'bench/main.ts',
};

/** Builds the named bundles (all by default) into dist/node; returns the files written. */
export async function buildNode(names = Object.keys(ENTRIES)) {
  const entryPoints = {};
  for (const name of names) {
    const path = ENTRIES[name]?.();
    if (path && existsSync(join(root, path))) entryPoints[name] = path;
  }
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir: 'dist/node',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'silent',
  });
  return Object.keys(entryPoints).map((n) => join(root, 'dist/node', `${n}.js`));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const files = await buildNode();
    console.log(`built ${files.map((f) => f.slice(root.length + 1)).join(', ')}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}

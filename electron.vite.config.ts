// electron-vite builds the three parts of the desktop app into out/:
// out/main (main process, ESM), out/preload/index.cjs (the sandboxed preload
// must be CommonJS) and out/renderer (the Vue app, served from app://neurovis).
// The renderer is the same app as the browser build: its plugins, defines and
// worker settings come from renderer/vite.config.ts, only the output differs.
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import webConfig from './renderer/vite.config';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      lib: { entry: resolve(root, 'electron/main/index.ts'), formats: ['es'] },
      // Bundle every dependency: the package ships out/ without node_modules (electron-builder.yml).
      externalizeDeps: false,
      rolldownOptions: { output: { entryFileNames: 'index.js' } },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // One self-contained CommonJS file: a sandboxed preload can neither load ESM nor require our chunks.
      lib: { entry: resolve(root, 'electron/preload/index.ts'), formats: ['cjs'] },
      externalizeDeps: false,
      rolldownOptions: { output: { entryFileNames: 'index.cjs', codeSplitting: false } },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: webConfig.plugins,
    define: webConfig.define,
    worker: webConfig.worker,
    // Cross-origin isolation in `electron-vite dev` too (the main process adds the CSP).
    server: { headers: webConfig.server?.headers },
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      target: webConfig.build?.target,
      chunkSizeWarningLimit: webConfig.build?.chunkSizeWarningLimit,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});

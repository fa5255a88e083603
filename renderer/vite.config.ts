import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { CONTENT_SECURITY_POLICY } from '../electron/common/csp';

// The plain browser build and dev server (`npm run web`). Cross-origin isolation lets the
// worker pool share the model's weights in one SharedArrayBuffer.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [vue()],
  define: {
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  worker: { format: 'es' },
  server: { headers: isolation, port: 5173 },
  // The built app runs under the same Content-Security-Policy as in Electron (the dev
  // server cannot: Vite's hot reload needs what that policy forbids).
  preview: { headers: { ...isolation, 'Content-Security-Policy': CONTENT_SECURITY_POLICY }, port: 4173 },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
});

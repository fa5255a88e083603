// ESLint flat config: TypeScript and Vue rules, and the layering of the code (docs/ARCHITECTURE.md).
// Layers, bottom to top; a layer imports only from its own and lower layers:
//   1. workers/engine, workers/formats, workers/imaging   pure TypeScript, runs anywhere
//   2. workers/pool, workers/export, workers/worker.ts, cli   hosts of the engine (threads, files)
//   3. renderer, electron                                  the app
// bench/, test/ and build/ may import anything; nothing imports them (test helpers aside).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';

/** An import from `from` into `target` is an upward import (or a sideways one that the layering forbids). */
const zone = (target, from, message) => ({ target, from, message });

const LAYERS = [
  // The bottom: engine, formats and imaging import nothing above them.
  zone('./workers/engine', ['./workers/formats', './workers/imaging', './workers/pool', './workers/export', './workers/worker.ts', './cli', './renderer', './electron', './bench', './test'], 'workers/engine is the bottom layer: it imports only itself'),
  zone('./workers/formats', ['./workers/imaging', './workers/pool', './workers/export', './workers/worker.ts', './cli', './renderer', './electron', './bench', './test'], 'workers/formats imports only the engine and itself'),
  zone('./workers/imaging', ['./workers/pool', './workers/export', './workers/worker.ts', './cli', './renderer', './electron', './bench', './test'], 'workers/imaging imports only the engine, the formats and itself'),
  // The hosts: pool, export, the worker entry and the CLI.
  zone('./workers', ['./cli', './renderer', './electron', './bench', './test'], 'workers/ does not import the CLI, the app, benchmarks or tests'),
  zone('./cli', ['./renderer', './electron', './bench', './test'], 'the CLI does not import the app, benchmarks or tests'),
  // The top: renderer and main process do not reach into each other (the preload API and electron/common are the bridge).
  zone('./renderer', ['./electron/main', './cli', './bench', './test'], 'the renderer talks to the main process only through electron/preload/api and electron/common'),
  zone('./electron', ['./renderer', './cli', './bench', './test'], 'the main process does not import the renderer, the CLI, benchmarks or tests'),
];

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'dist/**', 'out/**', 'release/**', 'tmp/**', 'test-results/**', 'playwright-report/**', 'workers/engine/kernels/assembly/**', 'workers/engine/kernels/gemm-wasm-binary.ts', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node },
      // The parser of <script lang="ts"> in .vue files, also when import-x reads a .vue file a .ts file imports.
      parserOptions: { parser: tseslint.parser },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.vue', '.mjs', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.vue', '.mjs', '.js'],
      'import-x/parsers': { 'vue-eslint-parser': ['.vue'], '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: LAYERS }],
      // Skips type-only imports; .dependency-cruiser.cjs (also in `npm run lint`) counts them.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Formatting is not lint's business (Prettier, where used).
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
    },
  },
  {
    // CommonJS entry points and vi.hoisted blocks (which run before imports) use require().
    files: ['**/*.cjs', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);

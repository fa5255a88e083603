// Import circles, type-only imports included (ESLint's import-x/no-cycle skips those).
// Layering is ESLint's (eslint.config.mjs). Run by `npm run lint`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle, counting `import type`: split out what both sides need (docs/ARCHITECTURE.md).',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|out|release|tmp)/' },
    // Keep imports that only TypeScript sees (type-only ones), so their circles count too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.vue', '.mjs', '.js', '.json'] },
  },
};

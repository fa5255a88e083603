import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/formats/**/*.test.ts', 'test/oracle/**/*.test.ts', 'test/conformance/**/*.test.ts', 'test/pool/**/*.test.ts', 'test/electron-main/**/*.test.ts', 'test/export/**/*.test.ts', 'test/cli/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Builds dist/node/worker.js for the pool tests (test/pool).
    globalSetup: ['test/pool/build-worker.setup.ts'],
  },
});

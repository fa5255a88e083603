import type { TestProject } from 'vitest/node';
import { buildNode } from '../../build/build-node.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the freshly built dist/node/worker.js, or the build error. */
    poolWorker: { path: string } | { error: string };
  }
}

/**
 * vitest globalSetup: the pool tests run the real Node bundle of the worker, built once
 * per test run. A build failure is handed to the pool tests (which then fail with it)
 * instead of stopping every other test file.
 */
export default async function setup(project: TestProject): Promise<void> {
  try {
    const [path] = await buildNode(['worker']);
    project.provide('poolWorker', { path });
  } catch (e) {
    project.provide('poolWorker', { error: e instanceof Error ? e.message : String(e) });
  }
}

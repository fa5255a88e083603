/**
 * Builds the CLI from the current sources into its own folder for the export tests, so they
 * never run a stale dist/node/cli.js and never rewrite it while other test files run it.
 * Inside the repository so the external npm packages resolve from node_modules.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function buildTestCli(): Promise<string> {
  mkdirSync(join(root, 'dist'), { recursive: true });
  const outdir = mkdtempSync(join(root, 'dist', 'test-export-'));
  await build({
    absWorkingDir: root,
    // cli.js is the launcher (cli/allocator.ts); it runs cli-run.js beside it.
    entryPoints: { cli: 'cli/index.ts', 'cli-run': 'cli/run.ts' },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return join(outdir, 'cli.js');
}

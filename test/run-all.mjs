#!/usr/bin/env node
// Runs every test runner of the project and ends with one summary line:
// "N passed, N failed, N skipped" over the type checks, vitest and Playwright.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const reports = join(root, 'tmp', 'test-reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function run(label, command, args, env = {}) {
  process.stdout.write(`\n=== ${label}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function count(label, passed, failed, skipped) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  lines.push(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}

// 1. Type checks (every tsconfig, .vue files included: build/typecheck.mjs) and lint (ESLint
// with the import layering, eslint.config.mjs; no import circle, type-only ones included,
// .dependency-cruiser.cjs; no dead export, build/dead-exports.mjs).
for (const [label, script] of [
  ['typecheck', 'typecheck'],
  ['lint', 'lint'],
]) {
  const status = run(label, 'npm', ['run', '--silent', script]);
  count(label, status === 0 ? 1 : 0, status === 0 ? 0 : 1, 0);
}

// 2. Node bundles the CLI and the pool's Node workers run from.
{
  const status = run('build (node bundles)', 'node', ['build/build-node.mjs']);
  count('build (node bundles)', status === 0 ? 1 : 0, status === 0 ? 0 : 1, 0);
}

// 3. Unit, format, oracle, conformance, pool and CLI tests.
{
  const out = join(reports, 'vitest.json');
  const status = run('vitest', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    count('vitest', r.numPassedTests, r.numFailedTests + (r.numTotalTestSuites > 0 && status !== 0 && r.numFailedTests === 0 ? 1 : 0), r.numPendingTests + r.numTodoTests);
  } else {
    count('vitest', 0, 1, 0);
  }
}

// 4. End-to-end tests in a real browser (Debian's Chromium) and, where its binary exists, Electron.
if (existsSync(join(root, 'playwright.config.ts'))) {
  const out = join(reports, 'playwright.json');
  const status = run('playwright', 'npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  if (existsSync(out)) {
    const s = JSON.parse(readFileSync(out, 'utf8')).stats ?? {};
    const failed = (s.unexpected ?? 0) + (status !== 0 && !s.unexpected ? 1 : 0);
    count('playwright', (s.expected ?? 0) + (s.flaky ?? 0), failed, s.skipped ?? 0);
  } else {
    count('playwright', 0, 1, 0);
  }
}

process.stdout.write(`\n${lines.join('\n')}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed === 0 ? 0 : 1);

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MMAP_THRESHOLD_BYTES } from '../../cli/allocator';

// cli/allocator.ts: on Linux the CLI computes in a child whose glibc malloc has a fixed mmap
// threshold (freed batch tensors go back to the system instead of staying in per-thread arenas).
const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'node', 'cli.js');
const model = join(root, 'test', 'fixtures', 'budget', 'huge_dense_layer.onnx');

let work: string;
beforeAll(() => {
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'neurovis-allocator-'));
});

/** Runs the CLI with a preload that records, in every Node process it starts, its pid, parent and threshold. */
function traced(env: NodeJS.ProcessEnv, ...args: string[]): { code: number | null; stdout: string; stderr: string; processes: string[][] } {
  const log = join(work, `processes-${Math.random().toString(36).slice(2)}.txt`);
  const preload = join(work, 'record.cjs');
  writeFileSync(preload, `require('fs').appendFileSync(${JSON.stringify(log)}, [process.pid, process.ppid, process.env.MALLOC_MMAP_THRESHOLD_ ?? '-'].join(' ') + '\\n');\n`);
  const r = spawnSync(process.execPath, ['--require', preload, cli, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  const processes = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')) : [];
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, processes };
}

describe.runIf(process.platform === 'linux')('the CLI on Linux (cli/allocator.ts)', () => {
  it('computes in one child of the launcher with the threshold fixed, and gives back its output and exit code unchanged', () => {
    const { MALLOC_MMAP_THRESHOLD_: _, ...clean } = process.env;
    const launched = spawnSync(process.execPath, [cli, 'info', model], { encoding: 'utf8', timeout: 60_000, env: clean });
    const relaunched = traced(clean, 'info', model);
    expect(relaunched.processes).toHaveLength(2);
    const [launcher, child] = relaunched.processes;
    expect(launcher[2]).toBe('-');
    expect(child[1]).toBe(launcher[0]);
    expect(child[2]).toBe(String(MMAP_THRESHOLD_BYTES));
    // The same command run directly with the variable set: no child, the same answer.
    const direct = traced({ MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) }, 'info', model);
    expect(direct.processes).toHaveLength(1);
    expect(relaunched.stdout).toBe(direct.stdout);
    expect(launched.stdout).toBe(direct.stdout);
    expect(relaunched.stdout).toMatch(/relu/);
    // A refusal: exit code 2 and its message come through the launcher.
    const bad = traced(clean, 'info', join(work, 'missing.onnx'));
    expect(bad.processes).toHaveLength(2);
    expect(bad.code).toBe(traced({ MALLOC_MMAP_THRESHOLD_: '1048576' }, 'info', join(work, 'missing.onnx')).code);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^neurovis: .*missing\.onnx/);
  });
});

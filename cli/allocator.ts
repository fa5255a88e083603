import { spawn } from 'node:child_process';
import { constants } from 'node:os';

// glibc's malloc raises its mmap threshold to the size of every large block freed (up to 32 MB);
// from then on the workers' batch tensors come from per-thread arenas, whose holes it keeps:
// resident memory the memory budget cannot see. On a 224×224 MobileNetV2 (mods.82–mods.84,
// surrogate, 2 workers) a fixed 1 MB threshold took the peak from 1.76 to 1.53 GB
// (bench/RESULTS-notes.md). glibc reads the setting only when the process starts, so the CLI runs
// itself once more with it set; elsewhere (macOS, Windows, musl) the variable means nothing.
const VARIABLE = 'MALLOC_MMAP_THRESHOLD_';
export const MMAP_THRESHOLD_BYTES = 1024 * 1024;

/** Whether this process should run the CLI in a child with the threshold fixed (Linux, and the caller did not set it). */
export function needsRelaunch(platform: string, env: NodeJS.ProcessEnv): boolean {
  return platform === 'linux' && env[VARIABLE] === undefined;
}

/** Runs this same command in a child with the threshold fixed, passing signals on; resolves to the exit code to give. */
export function relaunch(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [VARIABLE]: String(MMAP_THRESHOLD_BYTES) },
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of signals) process.on(signal, forward);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`neurovis: could not start the command line tool: ${e.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

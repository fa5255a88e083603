import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('WebAssembly kernels', () => {
  it('the committed binaries are what the AssemblyScript sources compile to', () => {
    // Exits 1 (and this throws) when a source changed without `node build/build-wasm.mjs`.
    const out = execFileSync(process.execPath, [join(root, 'build', 'build-wasm.mjs'), '--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
  }, 60_000);
});

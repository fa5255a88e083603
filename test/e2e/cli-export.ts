// The CLI's gallery of an example, for the e2e tests that hold the app's export equal to it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from '@playwright/test';
import { decodeNpy } from '../../workers/formats/numpy/npy';
import { buildTestCli } from '../export/build-cli';
import { decodePng } from '../export/decode-png';
import { specFile, type example } from './app-helpers';

/** Every file under dir, as paths relative to it with '/' separators. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? listFiles(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]));
}

/** Runs the CLI's gallery of the example in a new folder: `work` (remove it after), the gallery in `out`. */
export async function cliGallery(spec: ReturnType<typeof example>, prefix: string): Promise<{ work: string; out: string }> {
  const cli = await buildTestCli();
  const work = mkdtempSync(join(tmpdir(), prefix));
  const file = specFile(spec);
  writeFileSync(join(work, file.name), file.bytes);
  const out = join(work, 'cli');
  // Both at their default radius: relative to the input's value range, by the same rule.
  const run = spawnSync(process.execPath, [cli, 'gallery', join(work, file.name), '--out', out, '--workers', '0', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  rmSync(dirname(cli), { recursive: true, force: true });
  return { work, out };
}

/**
 * The app's files (flat: <layer>/neuron_K.png → <layer>.neuron_K.png) against the CLI's in
 * `out`: the same names, PNG pixels, .npy arrays and SVG text. Returns the number of PNGs.
 */
export function expectSameFiles(appFiles: ReadonlyMap<string, Uint8Array>, out: string): number {
  const cliFiles = listFiles(out);
  expect([...appFiles.keys()].sort()).toEqual(cliFiles.map((f) => f.replace('/', '.')).sort());
  let pngs = 0;
  for (const name of cliFiles) {
    const cliBytes = new Uint8Array(readFileSync(join(out, name)));
    const appBytes = appFiles.get(name.replace('/', '.'))!;
    if (name.endsWith('.png')) {
      const [a, b] = [decodePng(appBytes), decodePng(cliBytes)];
      expect([a.width, a.height], name).toEqual([b.width, b.height]);
      expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)), name).toBe(0);
      pngs++;
    } else if (name.endsWith('.npy')) {
      expect(decodeNpy(appBytes, name).shape, name).toEqual(decodeNpy(cliBytes, name).shape);
      expect(Array.from(decodeNpy(appBytes, name).data), name).toEqual(Array.from(decodeNpy(cliBytes, name).data));
    } else if (name.endsWith('.svg')) {
      expect(new TextDecoder().decode(appBytes), name).toBe(new TextDecoder().decode(cliBytes));
    }
  }
  return pngs;
}

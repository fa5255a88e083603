// The class names of a Teachable Machine folder reach manifest.json (DESIGN.md §4 `labels`).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixtures/keras/oracle';

describe('the CLI writes the class names into the manifest (DESIGN.md §4 `labels`)', () => {
  const root = join(__dirname, '..', '..');
  const cli = join(root, 'dist', 'node', 'cli.js');
  it('from model.json alone: the shard and metadata.json are picked up beside it', () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
    const work = mkdtempSync(join(tmpdir(), 'neurovis-labels-'));
    cpSync(join(FIXTURES, 'tfjs', 'teachable_machine'), join(work, 'tm'), { recursive: true });
    const r = spawnSync(process.execPath, [cli, 'gallery', join(work, 'tm', 'model.json'), '--out', join(work, 'out'), '--format', 'json', '--mode', 'surrogate', '--workers', '0', '--quiet'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).toBe('');
    const manifest = JSON.parse(readFileSync(join(work, 'out', 'manifest.json'), 'utf8')) as { layers: { name: string; labels?: string[] }[] };
    const last = manifest.layers[manifest.layers.length - 1];
    expect(last).toMatchObject({ name: 'sequential_3/dense_Dense2', labels: ['Cat', 'Dog', 'Neither'] });
    expect(manifest.layers.filter((l) => l.labels)).toHaveLength(1);
  });
});

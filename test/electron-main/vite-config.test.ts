import path from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../electron.vite.config';

const root = path.join(import.meta.dirname, '../..');

interface Section {
  root?: string;
  plugins?: { name?: string }[];
  build?: { outDir?: string; lib?: { entry: string; formats: string[] }; externalizeDeps?: boolean; rolldownOptions?: { input?: string; output?: { entryFileNames?: string } } };
}

describe('electron.vite.config.ts', () => {
  const { main, preload, renderer } = config as { main: Section; preload: Section; renderer: Section };

  it('builds the main process from electron/main into out/main/index.js (package.json main)', () => {
    expect(main.build?.lib?.entry).toBe(path.join(root, 'electron/main/index.ts'));
    expect(main.build?.outDir).toBe(path.join(root, 'out/main'));
    expect(main.build?.rolldownOptions?.output?.entryFileNames).toBe('index.js');
    // The package ships without node_modules, so nothing may stay external but electron and node:.
    expect(main.build?.externalizeDeps).toBe(false);
  });

  it('builds the sandboxed preload as one CommonJS file with nothing external but electron', () => {
    expect(preload.build?.lib).toEqual({ entry: path.join(root, 'electron/preload/index.ts'), formats: ['cjs'] });
    expect(preload.build?.externalizeDeps).toBe(false);
    expect(preload.build?.rolldownOptions?.output?.entryFileNames).toBe('index.cjs');
  });

  it('builds the renderer from renderer/index.html with the Vue plugin', () => {
    expect(renderer.root).toBe(path.join(root, 'renderer'));
    expect(renderer.build?.rolldownOptions?.input).toBe(path.join(root, 'renderer/index.html'));
    expect(renderer.build?.outDir).toBe(path.join(root, 'out/renderer'));
    expect(renderer.plugins?.flat().map((p) => p?.name)).toContain('vite:vue');
  });
});

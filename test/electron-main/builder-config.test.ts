import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ID, MODEL_EXTENSIONS, PRODUCT_NAME } from '../../electron/main/app-info';
import { fileAssociations } from '../../workers/formats/index';

const root = path.join(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

interface Target {
  target: string;
  arch: string[];
}
interface Association {
  ext: string;
  name: string;
  description: string;
  role: string;
  rank: string;
  mimeType: string;
  icon: string;
}
interface BuilderConfig {
  appId: string;
  productName: string;
  /** Normalised by electron-builder's loader into file sets. */
  files: { filter: string[] }[];
  asar: boolean;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  directories: { buildResources: string; output: string };
  fileAssociations: Association[];
  win: { icon: string; target: Target[] };
  mac: { icon: string; target: Target[] };
  linux: { icon: string; target: Target[] };
}

/** electron-builder's own loader and schema validation (app-builder-lib, the library behind the CLI). */
let loaded: Promise<BuilderConfig> | undefined;
const loadConfig = () => (loaded ??= loadAndValidate());

async function loadAndValidate(): Promise<BuilderConfig> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<unknown>;
    validateConfiguration(config: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  const config = await getConfig(root, null, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config as BuilderConfig;
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s schema and names the app as the main process does', async () => {
    const config = await loadConfig();
    expect(config.appId).toBe(APP_ID);
    expect(config.productName).toBe(PRODUCT_NAME);
    expect(config.directories).toEqual({ buildResources: 'build', output: 'release' });
  });

  it('builds NSIS for Windows, dmg + zip for Intel and Apple silicon Macs, AppImage + deb for Linux', async () => {
    const config = await loadConfig();
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64', 'arm64'] }]);
    expect(config.mac.target).toEqual([
      { target: 'dmg', arch: ['x64', 'arm64'] },
      { target: 'zip', arch: ['x64', 'arm64'] },
    ]);
    expect(config.linux.target.map((t) => t.target)).toEqual(['AppImage', 'deb']);
  });

  it('associates the model formats of the format registry, each with a name, description, role, MIME type and document icon', async () => {
    const config = await loadConfig();
    // workers/formats/registry.ts is the source; the yml must say the same, format by format.
    const expected = fileAssociations().map((a) => ({ ...a, icon: 'icons/document' }));
    const byExt = (list: readonly { ext: string }[]) => [...list].sort((a, b) => a.ext.localeCompare(b.ext));
    expect(byExt(config.fileAssociations)).toEqual(byExt(expected));
    expect(config.fileAssociations.map((a) => a.ext)).toEqual(expect.arrayContaining(['onnx', 'h5', 'keras', 'npz', 'npy', 'neurovis.json']));
    for (const a of config.fileAssociations) {
      expect(a.name, a.ext).toMatch(/\w/);
      expect(a.description, a.ext).toMatch(/\w/);
      expect(['Viewer', 'Editor'], a.ext).toContain(a.role);
      expect(a.mimeType, a.ext).toMatch(/^application\/[a-z0-9.+-]+$/);
      // electron-builder adds .icns (macOS) or .ico (Windows) and looks in build/.
      expect(existsSync(path.join(root, 'build', `${a.icon}.icns`)), a.icon).toBe(true);
      expect(existsSync(path.join(root, 'build', `${a.icon}.ico`)), a.icon).toBe(true);
      // The open dialog offers the same files.
      expect(MODEL_EXTENSIONS as readonly string[], a.ext).toContain(a.ext.split('.').pop());
    }
    expect(new Set(config.fileAssociations.map((a) => a.mimeType)).size).toBe(config.fileAssociations.length);
  });

  it('flips the Electron fuses that keep the packaged app from running as Node or loading code outside app.asar', async () => {
    const config = await loadConfig();
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    // Integrity validation and onlyLoadAppFromAsar need the app packed as app.asar.
    expect(config.asar).toBe(true);
  });

  it('packs only the electron-vite output and package.json, with workers and wasm unpacked', async () => {
    const config = await loadConfig();
    expect(config.files).toHaveLength(1);
    expect(config.files[0]!.filter.filter((f) => !f.startsWith('!'))).toEqual(['out/**', 'package.json']);
    // The dependencies are bundled into out/, so electron-builder must not copy node_modules again.
    expect(config.files[0]!.filter).toContain('!node_modules/**');
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['out/renderer/assets/worker-*.js', '**/*.wasm', '**/*.node']));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
    expect(pkg.main.startsWith('out/main/')).toBe(true);
    expect(pkg.scripts['dist']).toBe('electron-vite build && electron-builder');
  });

  it('points at icons that exist in the formats each platform needs', async () => {
    const config = await loadConfig();
    expect(readFileSync(path.join(root, config.win.icon)).readUInt16LE(2)).toBe(1); // ICO
    expect(readFileSync(path.join(root, config.mac.icon)).toString('latin1', 0, 4)).toBe('icns');
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      expect(existsSync(path.join(root, config.linux.icon, `${size}x${size}.png`)), `${size}px`).toBe(true);
    }
  });
});

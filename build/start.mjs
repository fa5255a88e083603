#!/usr/bin/env node
// `npm start`: the desktop app, or — where Electron's binary cannot be downloaded — the same
// app in the browser. Fetches Electron's binary on first run (with progress), then runs
// `electron-vite dev`. The decisions live in first-run.mjs; this file only does the I/O.
// `npm start -- --port N` picks the browser fallback's port (default 5173, or the next free one).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinaryStatus, start } from './first-run.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rootRequire = createRequire(join(root, 'package.json'));

function fail(line) {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

function portArgument() {
  const i = process.argv.indexOf('--port');
  const port = i >= 0 ? Number(process.argv[i + 1]) : undefined;
  return Number.isInteger(port) && port >= 0 ? port : undefined;
}

let electronDir;
try {
  electronDir = dirname(rootRequire.resolve('electron/package.json'));
} catch {
  fail('Neurovis: its dependencies are not installed. Run npm install in this folder, then npm start.');
}
const electronRequire = createRequire(join(electronDir, 'package.json'));
const electronVersion = electronRequire('./package.json').version;

function readText(path) {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function electronStatus() {
  const pathTxt = readText(join(electronDir, 'path.txt'));
  const override = process.env.ELECTRON_EXEC_PATH;
  return {
    pathTxt,
    binaryExists: pathTxt !== '' && existsSync(join(electronDir, 'dist', pathTxt)),
    execPathOverride: override,
    overrideExists: Boolean(override) && existsSync(override),
  };
}

// The platform and architecture Electron's install.js downloads for (it must find our download in its cache).
function targetPlatform() {
  const platform = process.env.ELECTRON_INSTALL_PLATFORM || process.env.npm_config_platform || process.platform;
  let arch = process.env.ELECTRON_INSTALL_ARCH || process.env.npm_config_arch || process.arch;
  if (platform === 'darwin' && process.platform === 'darwin' && arch === 'x64' && !process.env.npm_config_arch) {
    try {
      const { execSync } = rootRequire('node:child_process');
      if (execSync('sysctl -in sysctl.proc_translated').toString().trim() === '1') arch = 'arm64';
    } catch {
      // not under Rosetta
    }
  }
  return { platform, arch };
}

async function download(onProgress) {
  process.env.ELECTRON_GET_NO_PROGRESS = '1'; // we draw our own progress
  const { downloadArtifact } = electronRequire('@electron/get');
  const useRemoteChecksums = process.env.electron_use_remote_checksums || process.env.npm_config_electron_use_remote_checksums;
  await downloadArtifact({
    version: electronVersion,
    artifactName: 'electron',
    ...targetPlatform(),
    cacheRoot: process.env.electron_config_cache,
    checksums: useRemoteChecksums ? undefined : electronRequire('./checksums.json'),
    downloadOptions: {
      quiet: true,
      getProgressCallback: async (p) => onProgress(p),
      // A firewall that drops packets would otherwise hold us for minutes before the browser fallback.
      timeout: { lookup: 15_000, connect: 15_000, secureConnect: 15_000, response: 30_000, socket: 60_000 },
    },
  });
}

// Electron's own install step: finds the zip in its cache, unzips it and writes path.txt.
function install() {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
    const child = spawn(process.execPath, [join(electronDir, 'install.js')], {
      cwd: electronDir,
      env,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(stderr.split('\n').find((l) => l.trim()) ?? `Electron's installer exited with ${code}`));
    });
  });
}

let child;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child && child.exitCode === null) child.kill(signal);
    process.exit(0);
  });
}

function runDesktop() {
  return new Promise((resolve) => {
    const bin = join(dirname(rootRequire.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
    child = spawn(process.execPath, [bin, 'dev'], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 0));
  });
}

async function serveWeb() {
  process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING = 'true';
  const { createServer } = await import('vite');
  const port = portArgument();
  const server = await createServer({
    configFile: join(root, 'renderer', 'vite.config.ts'),
    server: port === undefined ? {} : { port, strictPort: true },
  });
  await server.listen();
  return server.resolvedUrls?.local[0] ?? `http://localhost:${server.config.server.port}/`;
}

let lastProgress = '';
function progress(line) {
  if (process.stdout.isTTY) {
    process.stdout.write(`\r${line}   `);
  } else {
    // In a log, one line per tenth of the download.
    const tenth = (l) => Math.floor(Number(/(\d+)%/.exec(l)?.[1] ?? -10) / 10);
    if (tenth(line) !== tenth(lastProgress)) process.stdout.write(`${line}\n`);
  }
  lastProgress = line;
}

function log(line) {
  if (process.stdout.isTTY && lastProgress) process.stdout.write('\n');
  lastProgress = '';
  process.stdout.write(`${line}\n`);
}

try {
  const result = await start({
    nodeVersion: process.versions.node,
    electronVersion,
    skipDownload: Boolean(process.env.ELECTRON_SKIP_BINARY_DOWNLOAD),
    electronStatus: () => electronBinaryStatus(electronStatus()),
    download,
    install,
    runDesktop,
    serveWeb,
    log,
    progress,
  });
  if (result.outcome !== 'web') process.exit(result.exitCode);
} catch (error) {
  fail(`Neurovis could not start: ${String(error?.message ?? error).split('\n')[0]}`);
}

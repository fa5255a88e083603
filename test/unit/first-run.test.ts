// `npm start` on a fresh machine: the decisions of build/first-run.mjs with the I/O replaced,
// then the real build/start.mjs against a local mirror that refuses the download (no network needed).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeDownloadFailure,
  electronBinaryStatus,
  nodeVersionProblem,
  progressLine,
  start,
  type ElectronStatus,
  type StartSteps,
} from '../../build/first-run.mjs';

const root = join(__dirname, '..', '..');

describe('Node version', () => {
  it('accepts what package.json engines allows (^20.19.0 || >=22.13.0)', () => {
    for (const v of ['20.19.0', '20.20.2', 'v22.13.0', '22.20.1', '24.1.0']) expect(nodeVersionProblem(v), v).toBeNull();
  });
  it('refuses older ones in one line that names both versions', () => {
    for (const v of ['18.20.4', '20.18.3', '21.7.3', '22.12.0']) {
      const line = nodeVersionProblem(v);
      expect(line, v).toMatch(/needs Node 20\.19\+ or 22\.13\+/);
      expect(line).toContain(v);
      expect(line).not.toContain('\n');
    }
  });
});

describe('Electron binary status', () => {
  it('is present only when path.txt names an executable that exists', () => {
    expect(electronBinaryStatus({ pathTxt: 'electron', binaryExists: true })).toBe('present');
    expect(electronBinaryStatus({ pathTxt: '', binaryExists: false })).toBe('missing');
    expect(electronBinaryStatus({ pathTxt: 'electron', binaryExists: false })).toBe('missing');
  });
  it('follows ELECTRON_EXEC_PATH when it is set', () => {
    expect(electronBinaryStatus({ pathTxt: '', binaryExists: false, execPathOverride: '/opt/e', overrideExists: true })).toBe('present');
    expect(electronBinaryStatus({ pathTxt: 'electron', binaryExists: true, execPathOverride: '/opt/e', overrideExists: false })).toBe('override-missing');
  });
});

describe('download failure line', () => {
  const cases: Array<[string, object, RegExp, RegExp]> = [
    ['offline', { code: 'ENOTFOUND', hostname: 'github.com', message: 'getaddrinfo ENOTFOUND github.com' }, /no network: github\.com could not be resolved \(ENOTFOUND\)/, /ELECTRON_MIRROR/],
    ['DNS down', { code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN github.com' }, /github\.com could not be resolved \(EAI_AGAIN\)/, /ELECTRON_MIRROR/],
    ['refused', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:443' }, /10\.0\.0\.1:443 refused the connection/, /GLOBAL_AGENT_HTTPS_PROXY/],
    ['timed out', { code: 'ETIMEDOUT', message: 'connect ETIMEDOUT 140.82.1.1:443' }, /cut or timed out \(ETIMEDOUT/, /ELECTRON_GET_USE_PROXY=1/],
    ['blocked', { response: { statusCode: 403, url: 'https://github.com/electron/electron/releases/x.zip' } }, /github\.com blocked the download \(HTTP 403\)/, /proxy/],
    ['not on mirror', { response: { statusCode: 404, url: 'https://mirror.example/x.zip' } }, /mirror\.example has no Electron 41\.7\.1 \(HTTP 404\)/, /ELECTRON_MIRROR/],
    ['TLS', { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', hostname: 'github.com' }, /certificate of github\.com was not trusted/, /NODE_EXTRA_CA_CERTS/],
    ['checksum', { message: 'Generated checksum for "electron.zip" did not match expected checksum.' }, /did not match its checksum/, /ELECTRON_MIRROR/],
  ];
  for (const [name, error, cause, fix] of cases) {
    it(`names the cause and the fix: ${name}`, () => {
      const line = describeDownloadFailure(error, '41.7.1');
      expect(line).toMatch(/^Electron 41\.7\.1 could not be downloaded: /);
      expect(line).toMatch(cause);
      expect(line).toMatch(fix);
      expect(line).toMatch(/ELECTRON_EXEC_PATH/);
      expect(line).not.toContain('\n');
    });
  }
  it('keeps only the first line of an unknown error (no stack trace)', () => {
    const error = new Error('something odd\nsecond line');
    const line = describeDownloadFailure(error, '41.7.1');
    expect(line).toContain('something odd');
    expect(line).not.toContain('second line');
    expect(line).not.toMatch(/ at /);
  });
});

describe('progress line', () => {
  it('shows percent and size, or the size so far when the total is unknown', () => {
    expect(progressLine({ transferred: 52428800, total: 104857600, percent: 0.5 })).toBe('Downloading Electron: 50% of 100.0 MB');
    expect(progressLine({ transferred: 3145728 })).toBe('Downloading Electron: 3.0 MB');
  });
});

/** Steps whose I/O is recorded; `status` is what electronStatus() answers, in turn. */
function fakeSteps(statuses: ElectronStatus[], downloadError?: object): StartSteps & { calls: string[]; lines: string[] } {
  const calls: string[] = [];
  const lines: string[] = [];
  let asked = 0;
  return {
    calls,
    lines,
    nodeVersion: '20.20.2',
    electronVersion: '41.7.1',
    electronStatus: () => statuses[Math.min(asked++, statuses.length - 1)],
    download: async (onProgress) => {
      calls.push('download');
      if (downloadError) throw downloadError;
      onProgress({ transferred: 10, total: 20, percent: 0.5 });
    },
    install: async () => void calls.push('install'),
    runDesktop: async () => (calls.push('desktop'), 0),
    serveWeb: async () => (calls.push('web'), 'http://localhost:5173/'),
    log: (line) => void lines.push(line),
    progress: (line) => void lines.push(line),
  };
}

describe('start sequence', () => {
  it('binary present: runs the desktop app at once, downloads nothing', async () => {
    const steps = fakeSteps(['present']);
    expect(await start(steps)).toEqual({ outcome: 'desktop', exitCode: 0 });
    expect(steps.calls).toEqual(['desktop']);
  });

  it('binary missing: downloads with progress, runs Electron’s install step, then the desktop app', async () => {
    const steps = fakeSteps(['missing', 'present']);
    expect((await start(steps)).outcome).toBe('desktop');
    expect(steps.calls).toEqual(['download', 'install', 'desktop']);
    expect(steps.lines).toContain('Downloading Electron: 50% of 0.0 MB');
  });

  it('download refused: one line with cause and fix, then the browser build and its URL', async () => {
    const steps = fakeSteps(['missing'], Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), { code: 'ENOTFOUND' }));
    const result = await start(steps);
    expect(result.outcome).toBe('web');
    expect(steps.calls).toEqual(['download', 'web']);
    const failure = steps.lines.find((l) => l.includes('could not be downloaded'));
    expect(failure).toMatch(/no network: github\.com could not be resolved \(ENOTFOUND\).*ELECTRON_MIRROR/);
    expect(steps.lines.at(-1)).toBe('Neurovis is at http://localhost:5173/ (open it in your browser; Ctrl+C stops it).');
  });

  it('installed but still missing: says so and serves the browser build', async () => {
    const steps = fakeSteps(['missing', 'missing']);
    expect((await start(steps)).outcome).toBe('web');
    expect(steps.lines.join('\n')).toMatch(/downloaded but not installed/);
  });

  it('ELECTRON_SKIP_BINARY_DOWNLOAD set: no download, the browser build', async () => {
    const steps = { ...fakeSteps(['missing']), skipDownload: true };
    const result = await start(steps);
    expect(result.outcome).toBe('web');
    expect(steps.calls).toEqual(['web']);
  });

  it('Node too old: one line, exit code 1, nothing else runs', async () => {
    const steps = { ...fakeSteps(['present']), nodeVersion: '18.19.0' };
    expect(await start(steps)).toEqual({ outcome: 'too-old', exitCode: 1 });
    expect(steps.calls).toEqual([]);
    expect(steps.lines).toHaveLength(1);
  });
});

function electronInstalled(): boolean {
  const electronDir = join(root, 'node_modules', 'electron');
  const pathTxt = existsSync(join(electronDir, 'path.txt')) ? readFileSync(join(electronDir, 'path.txt'), 'utf8') : '';
  return pathTxt !== '' && existsSync(join(electronDir, 'dist', pathTxt));
}

describe.skipIf(electronInstalled())('npm start where the download is refused (a local mirror answering 403)', () => {
  it('prints the cause, serves the app on a local URL and keeps running', async () => {
    const mirror: Server = createServer((_req, res) => res.writeHead(403).end('forbidden'));
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    const mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ELECTRON_MIRROR: mirrorUrl,
      electron_config_cache: mkdtempSync(join(tmpdir(), 'neurovis-electron-cache-')),
    };
    delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
    delete env.ELECTRON_EXEC_PATH;
    const child = spawn(process.execPath, [join(root, 'build', 'start.mjs'), '--port', '0'], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /Neurovis is at (http:\/\/\S+)/.exec(stdout);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`start.mjs exited with ${code}: ${stdout}${stderr}`)));
      });
      expect(stdout).toMatch(/could not be downloaded: 127\.0\.0\.1:\d+ blocked the download \(HTTP 403\)\. Fix: .*ELECTRON_MIRROR/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(await page.text()).toContain('<title>Neurovis</title>');
      expect(child.exitCode).toBeNull();
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      child.kill('SIGTERM');
      mirror.close();
    }
  });
});

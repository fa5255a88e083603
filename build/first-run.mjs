// What `npm start` decides, kept free of I/O so that it can be tested without a network:
// is this Node new enough, is Electron's binary there, what went wrong with its download,
// and in what order to try the desktop app and the browser fallback (build/start.mjs wires
// these to the real file system, Electron's installer, electron-vite and Vite).

/** The Node versions the dependencies support (package.json `engines`: ^20.19.0 || >=22.13.0). */
export const NODE_MINIMUMS = [
  [20, 19],
  [22, 13],
];

/** One line saying why this Node is too old, or null when it will do. */
export function nodeVersionProblem(version, minimums = NODE_MINIMUMS) {
  const [major, minor] = String(version).replace(/^v/, '').split('.').map(Number);
  const last = minimums.length - 1;
  const fits = minimums.some(([needMajor, needMinor], i) =>
    i === last ? major > needMajor || (major === needMajor && minor >= needMinor) : major === needMajor && minor >= needMinor,
  );
  if (fits) return null;
  const wanted = minimums.map(([a, b]) => `${a}.${b}+`).join(' or ');
  return `Neurovis needs Node ${wanted}; this is Node ${version}. Install a current Node (https://nodejs.org) and run npm start again.`;
}

/**
 * Whether Electron's binary is installed, from what its package holds: `path.txt` (written by
 * its installer, naming the executable inside dist/) and whether that executable exists.
 * `execPathOverride` is ELECTRON_EXEC_PATH, which electron-vite uses instead when set.
 */
export function electronBinaryStatus({ pathTxt, binaryExists, execPathOverride, overrideExists }) {
  if (execPathOverride) return overrideExists ? 'present' : 'override-missing';
  return pathTxt && binaryExists ? 'present' : 'missing';
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN']);
const REFUSED_CODES = new Set(['ECONNREFUSED']);
const CUT_CODES = new Set(['ETIMEDOUT', 'ECONNRESET', 'ESOCKETTIMEDOUT', 'EPIPE', 'ECONNABORTED']);
const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS)/;

/** The host an error names, from its fields or its message. */
function failingHost(error) {
  if (error.hostname) return error.hostname;
  const url = error.response?.url ?? error.options?.url;
  if (url) {
    try {
      return new URL(String(url)).host;
    } catch {
      // not a URL: fall through to the message
    }
  }
  const named = /(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET)\s+(\S+)/.exec(String(error.message ?? ''));
  return named ? named[1] : 'the download host';
}

/**
 * One line naming why Electron's download failed and how to fix it, from the error that
 * `@electron/get` (through got or Node's net) rejected with. Never a stack trace.
 */
export function describeDownloadFailure(error, electronVersion) {
  const e = error ?? {};
  const code = String(e.code ?? '');
  const status = e.response?.statusCode ?? e.statusCode;
  const host = failingHost(e);
  const proxyFix = 'set a proxy with ELECTRON_GET_USE_PROXY=1 and GLOBAL_AGENT_HTTPS_PROXY=http://proxy:port';
  const mirrorFix = 'set ELECTRON_MIRROR to a mirror you can reach';
  const manualFix = `or install Electron ${electronVersion} yourself and set ELECTRON_EXEC_PATH to its executable`;
  let cause;
  let fix;
  if (OFFLINE_CODES.has(code)) {
    cause = `no network: ${host} could not be resolved (${code})`;
    fix = `connect to the internet, ${mirrorFix}, ${proxyFix}, ${manualFix}`;
  } else if (REFUSED_CODES.has(code)) {
    cause = `${host} refused the connection (${code}; a proxy or firewall in the way?)`;
    fix = `${proxyFix}, ${mirrorFix}, ${manualFix}`;
  } else if (CUT_CODES.has(code)) {
    cause = `the connection to ${host} was cut or timed out (${code}; a firewall?)`;
    fix = `${proxyFix}, ${mirrorFix}, ${manualFix}`;
  } else if (TLS_CODES.test(code)) {
    cause = `the TLS certificate of ${host} was not trusted (${code}; a proxy that inspects traffic?)`;
    fix = `set NODE_EXTRA_CA_CERTS to your proxy's certificate, ${mirrorFix}, ${manualFix}`;
  } else if (status === 403 || status === 407 || status === 451) {
    cause = `${host} blocked the download (HTTP ${status})`;
    fix = `${proxyFix}, ${mirrorFix}, ${manualFix}`;
  } else if (status === 404) {
    cause = `${host} has no Electron ${electronVersion} (HTTP 404)`;
    fix = `check ELECTRON_MIRROR (and ELECTRON_CUSTOM_DIR), ${manualFix}`;
  } else if (typeof status === 'number') {
    cause = `${host} answered HTTP ${status}`;
    fix = `try again later, ${mirrorFix}, ${manualFix}`;
  } else if (/checksum|sha256|sha-256/i.test(String(e.message ?? ''))) {
    cause = 'the downloaded file did not match its checksum (altered by a proxy?)';
    fix = `${mirrorFix}, ${manualFix}`;
  } else {
    const first = String(e.message ?? e).split('\n')[0].trim() || 'unknown error';
    cause = code ? `${first} (${code})` : first;
    fix = `${mirrorFix}, ${proxyFix}, ${manualFix}`;
  }
  return `Electron ${electronVersion} could not be downloaded: ${cause}. Fix: ${fix}. Meanwhile Neurovis runs in your browser.`;
}

/** A progress line for a download: percent and megabytes (total may be unknown). */
export function progressLine({ transferred, total, percent }) {
  const mb = (bytes) => (bytes / 1048576).toFixed(1);
  if (!total) return `Downloading Electron: ${mb(transferred)} MB`;
  return `Downloading Electron: ${Math.floor((percent ?? transferred / total) * 100)}% of ${mb(total)} MB`;
}

/**
 * The start sequence. `steps` does the I/O:
 *  nodeVersion: string; electronVersion: string;
 *  skipDownload: boolean (ELECTRON_SKIP_BINARY_DOWNLOAD is set);
 *  electronStatus(): 'present' | 'missing' | 'override-missing';
 *  download(onProgress): Promise — fetches Electron's zip into its cache;
 *  install(): Promise — Electron's own install step (unzips, writes path.txt);
 *  runDesktop(): Promise<number> — electron-vite dev, resolves with its exit code;
 *  serveWeb(): Promise<string> — starts the browser build, resolves with its URL;
 *  log(line), progress(line).
 * Resolves with what happened: { outcome: 'too-old' | 'desktop' | 'web', ... }.
 */
export async function start(steps) {
  const tooOld = nodeVersionProblem(steps.nodeVersion);
  if (tooOld) {
    steps.log(tooOld);
    return { outcome: 'too-old', exitCode: 1 };
  }
  const status = steps.electronStatus();
  let failure = null;
  if (status === 'override-missing') {
    failure = 'ELECTRON_EXEC_PATH names no file. Fix: point it at an Electron executable, or unset it. Meanwhile Neurovis runs in your browser.';
  } else if (status === 'missing' && steps.skipDownload) {
    failure = `Electron ${steps.electronVersion} is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set. Fix: unset it and run npm start again, or set ELECTRON_EXEC_PATH to an Electron executable. Meanwhile Neurovis runs in your browser.`;
  } else if (status === 'missing') {
    steps.log(`Electron ${steps.electronVersion} is not installed yet: downloading it once (about 100 MB).`);
    try {
      await steps.download((p) => steps.progress(progressLine(p)));
      await steps.install();
    } catch (error) {
      failure = describeDownloadFailure(error, steps.electronVersion);
    }
    if (!failure && steps.electronStatus() !== 'present') {
      failure = `Electron ${steps.electronVersion} was downloaded but not installed. Fix: delete node_modules/electron, run npm install, then npm start. Meanwhile Neurovis runs in your browser.`;
    }
  }
  if (!failure) {
    const exitCode = await steps.runDesktop();
    return { outcome: 'desktop', exitCode };
  }
  steps.log(failure);
  const url = await steps.serveWeb();
  steps.log(`Neurovis is at ${url} (open it in your browser; Ctrl+C stops it).`);
  return { outcome: 'web', url, failure };
}

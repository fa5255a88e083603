/** Types of build/first-run.mjs (the decisions of `npm start`). */
export const NODE_MINIMUMS: ReadonlyArray<readonly [number, number]>;
export function nodeVersionProblem(version: string, minimums?: ReadonlyArray<readonly [number, number]>): string | null;

export type ElectronStatus = 'present' | 'missing' | 'override-missing';
export function electronBinaryStatus(found: {
  pathTxt: string;
  binaryExists: boolean;
  execPathOverride?: string;
  overrideExists?: boolean;
}): ElectronStatus;

export interface DownloadFailure {
  code?: string;
  message?: string;
  hostname?: string;
  statusCode?: number;
  response?: { statusCode?: number; url?: string };
}
export function describeDownloadFailure(error: unknown, electronVersion: string): string;

export interface DownloadProgress {
  transferred: number;
  total?: number;
  percent?: number;
}
export function progressLine(progress: DownloadProgress): string;

export interface StartSteps {
  nodeVersion: string;
  electronVersion: string;
  skipDownload?: boolean;
  electronStatus(): ElectronStatus;
  download(onProgress: (progress: DownloadProgress) => void): Promise<void>;
  install(): Promise<void>;
  runDesktop(): Promise<number>;
  serveWeb(): Promise<string>;
  log(line: string): void;
  progress(line: string): void;
}
export type StartResult =
  | { outcome: 'too-old'; exitCode: number }
  | { outcome: 'desktop'; exitCode: number }
  | { outcome: 'web'; url: string; failure: string };
export function start(steps: StartSteps): Promise<StartResult>;

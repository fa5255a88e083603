import { browserHost } from './browser';
import { electronHost } from './electron';
import type { Host } from './host';

export type { Host, ModelFile, OpenedModel, RecentModel, HostAppearance } from './host';

let host: Host | undefined;

/** The host of this window: Electron when the preload exposed its API, the browser otherwise. */
export function getHost(): Host {
  host ??= typeof window !== 'undefined' && window.neurovis ? electronHost(window.neurovis) : browserHost();
  return host;
}

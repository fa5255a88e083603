// The modes a user can pick. Adding one: a module in this folder exporting a ModeDef
// (types.ts), its id in GalleryMode, its name and hint in renderer/src/i18n, and one
// entry below. The app's settings, the staleness of galleries (renderer/src/domain/affects.ts),
// the CLI's --mode and its help, the pool and the manifest all read this list.
import { ascentMode } from './ascent';
import { deconvnetMode } from './deconvnet';
import { exactMode } from './exact';
import { guidedMode } from './guided';
import { localMode } from './local';
import { surrogateMode } from './surrogate';
import type { GalleryMode, ModeDef } from './types';

export type { GalleryMode, ModeDef, ModeRun } from './types';

export const MODES: readonly ModeDef[] = [
  exactMode,
  surrogateMode,
  localMode,
  deconvnetMode,
  guidedMode,
  ascentMode,
];

export const GALLERY_MODES: readonly GalleryMode[] = MODES.map((m) => m.id);

export function isGalleryMode(id: string): id is GalleryMode {
  return MODES.some((m) => m.id === id);
}

export function modeById(id: GalleryMode): ModeDef {
  const mode = MODES.find((m) => m.id === id);
  if (!mode) throw new Error(`unknown mode "${id}"`);
  return mode;
}

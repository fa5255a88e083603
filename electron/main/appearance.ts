// Theme and language as the renderer sees them (`Appearance` in the preload API).
import type { Appearance, ThemeSource } from '../preload/api';

/** The parts of Electron's `nativeTheme` we read and write. */
export interface NativeThemeLike {
  themeSource: ThemeSource;
  readonly shouldUseDarkColors: boolean;
}

export function appearanceOf(nativeTheme: NativeThemeLike, locale: string, preferredLanguages: readonly string[]): Appearance {
  const languages = preferredLanguages.filter((l) => typeof l === 'string' && l.length > 0 && l.length < 64);
  return {
    themeSource: nativeTheme.themeSource,
    theme: nativeTheme.shouldUseDarkColors ? 'dark' : 'light',
    preferredLanguages: languages.length > 0 ? [...languages] : [locale],
    locale,
  };
}

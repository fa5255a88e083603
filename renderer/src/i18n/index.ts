import { ref } from 'vue';
import { createI18n } from 'vue-i18n';
import type { LocaleChoice } from '../domain/settings-types';
import { en } from './en';
import { zhCN } from './zh-CN';

export type AppLocale = 'en' | 'zh-CN';

/** The OS's preferred languages, best first (set from the host). */
export const osLanguages = ref<string[]>(typeof navigator !== 'undefined' ? [...(navigator.languages ?? [navigator.language])] : ['en']);

/** The first supported language among the OS's: Chinese → zh-CN, anything else → English. */
export function localeFor(choice: LocaleChoice, languages: readonly string[]): AppLocale {
  if (choice !== 'system') return choice;
  for (const lang of languages) {
    const l = lang.toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

const datetimeFormats = {
  en: { short: { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' } },
  'zh-CN': { short: { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' } },
} as const;

export const i18n = createI18n({
  legacy: false,
  locale: localeFor('system', osLanguages.value),
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
  datetimeFormats,
  missingWarn: false,
  fallbackWarn: false,
});

export function applyLocale(choice: LocaleChoice): void {
  const locale = localeFor(choice, osLanguages.value);
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
}

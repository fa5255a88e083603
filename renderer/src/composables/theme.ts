import { computed, ref } from 'vue';
import { useSettings } from '../stores/settings';

/** The OS theme as the host reports it (set by App.vue from the host's appearance). */
export const osTheme = ref<'light' | 'dark'>('light');

/** The theme in effect: the user's choice, or the OS's. */
export function useTheme() {
  const settings = useSettings();
  const theme = computed<'light' | 'dark'>(() => (settings.theme === 'system' ? osTheme.value : settings.theme));
  const dark = computed(() => theme.value === 'dark');
  return { theme, dark };
}

/** Colours of the canvas-drawn parts, matching the CSS theme. */
export function canvasColors(dark: boolean) {
  return dark
    ? { text: '#c9d1d9', muted: '#8b949e', pending: '#21262d', pendingStroke: '#30363d', focus: '#58a6ff', failed: '#6e2b2b', dead: '#8b949e', frame: '#3d444d' }
    : { text: '#1f2328', muted: '#656d76', pending: '#eef1f4', pendingStroke: '#d8dee4', focus: '#0969da', failed: '#ffd7d5', dead: '#656d76', frame: '#d0d7de' };
}

import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { NoticeSubject } from '../domain/notice-text';
import { errorMessage } from '../../../workers/engine/graph';
import { WAY_OUT } from '../../../workers/engine/budget';
import { i18n } from '../i18n';

export interface Notice {
  readonly id: number;
  readonly kind: 'error' | 'info';
  /** Shown as is (a ModelError's text is written for the user). */
  readonly message: string;
  /** Where it came from: the file, the layer, the setting. */
  readonly context?: string;
  /** What the context is, for the "what to do" line. */
  readonly subject?: NoticeSubject;
  /** How many times the same message came in. */
  readonly count: number;
}

const INFO_MS = 12_000;

/** Dismissable messages: bad files, unsupported ops, worker failures. They never close the open model. */
export const useNotices = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  let nextId = 1;

  function push(kind: Notice['kind'], message: string, context?: string, subject?: NoticeSubject): void {
    const same = items.value.findIndex((n) => n.kind === kind && n.message === message && n.context === context);
    if (same >= 0) {
      const n = items.value[same];
      items.value.splice(same, 1, { ...n, count: n.count + 1 });
      return;
    }
    const id = nextId++;
    items.value.push({ id, kind, message, context, subject: subject ?? (context ? 'file' : undefined), count: 1 });
    if (items.value.length > 6) items.value.splice(0, items.value.length - 6);
    // Information goes away by itself; errors stay until dismissed.
    if (kind === 'info') setTimeout(() => dismiss(id), INFO_MS);
  }

  function dismiss(id: number): void {
    items.value = items.value.filter((n) => n.id !== id);
  }

  return {
    items,
    error: (message: string, context?: string, subject?: NoticeSubject) => push('error', message, context, subject),
    info: (message: string, context?: string, subject?: NoticeSubject) => push('info', message, context, subject),
    dismiss,
    /** Drops the errors about one file (it opened after all). */
    dismissContext: (context: string) => {
      items.value = items.value.filter((n) => n.context !== context);
    },
    clear: () => {
      items.value = [];
    },
  };
});

/** The user-facing text of anything thrown; a refusal past the memory budget says what the app's budget is, not the CLI's option. */
export function messageOf(e: unknown): string {
  const text = errorMessage(e);
  return text.includes(WAY_OUT) ? text.replace(WAY_OUT, i18n.global.t('budget.wayOut')) : text;
}

import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface Notice {
  readonly id: number;
  readonly kind: 'error' | 'info';
  /** Shown as is (a ModelError's text is written for the user). */
  readonly message: string;
  /** Where it came from: the file, the layer, the setting. */
  readonly context?: string;
  /** How many times the same message came in. */
  readonly count: number;
}

/** Dismissable messages: bad files, unsupported ops, worker failures. They never close the open model. */
export const useNotices = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  let nextId = 1;

  function push(kind: Notice['kind'], message: string, context?: string): void {
    const same = items.value.findIndex((n) => n.kind === kind && n.message === message && n.context === context);
    if (same >= 0) {
      const n = items.value[same];
      items.value.splice(same, 1, { ...n, count: n.count + 1 });
      return;
    }
    items.value.push({ id: nextId++, kind, message, context, count: 1 });
    if (items.value.length > 6) items.value.splice(0, items.value.length - 6);
  }

  return {
    items,
    error: (message: string, context?: string) => push('error', message, context),
    info: (message: string, context?: string) => push('info', message, context),
    dismiss: (id: number) => {
      items.value = items.value.filter((n) => n.id !== id);
    },
    clear: () => {
      items.value = [];
    },
  };
});

/** The user-facing text of anything thrown. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

import { nextTick, onBeforeUnmount, onMounted, type Ref } from 'vue';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/** The elements Tab visits inside `root`, in document order. */
function focusableIn(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest('fieldset:disabled') && el.getClientRects().length > 0);
}

/** Modals open now, innermost last: only the innermost one handles keys. */
const stack: HTMLElement[] = [];

/**
 * Makes `root` a modal while the component is mounted: the focus moves into it, Tab and
 * Shift+Tab cycle inside it, Escape anywhere in the window closes it, and the focus goes
 * back to the element that opened it.
 */
export function useModal(root: Ref<HTMLElement | undefined>, close: () => void): void {
  let opener: HTMLElement | null = null;

  function onKeydown(e: KeyboardEvent): void {
    const el = root.value;
    if (!el || stack[stack.length - 1] !== el) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    if (e.key !== 'Tab') return;
    const items = focusableIn(el);
    if (items.length === 0) {
      e.preventDefault();
      el.focus();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement as HTMLElement | null;
    const inside = !!active && el.contains(active);
    if (e.shiftKey && (!inside || active === first || active === el)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (!inside || active === last)) {
      e.preventDefault();
      first.focus();
    }
  }

  /** A focus that lands outside (a click behind the backdrop, a script) is brought back. */
  function onFocusIn(e: FocusEvent): void {
    const el = root.value;
    if (!el || stack[stack.length - 1] !== el) return;
    if (e.target instanceof Node && !el.contains(e.target)) (focusableIn(el)[0] ?? el).focus();
  }

  onMounted(() => {
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const el = root.value;
    if (!el) return;
    stack.push(el);
    if (!el.hasAttribute('tabindex')) el.tabIndex = -1;
    window.addEventListener('keydown', onKeydown, true);
    document.addEventListener('focusin', onFocusIn);
    void nextTick(() => (focusableIn(el)[0] ?? el).focus());
  });

  onBeforeUnmount(() => {
    window.removeEventListener('keydown', onKeydown, true);
    document.removeEventListener('focusin', onFocusIn);
    const i = root.value ? stack.indexOf(root.value) : -1;
    if (i >= 0) stack.splice(i, 1);
    if (opener && opener.isConnected) opener.focus();
  });
}

import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

/** The content size of an element, kept up to date. */
export function useElementSize(el: Ref<HTMLElement | undefined>) {
  const width = ref(0);
  const height = ref(0);
  let observer: ResizeObserver | undefined;
  onMounted(() => {
    if (!el.value) return;
    width.value = el.value.clientWidth;
    height.value = el.value.clientHeight;
    observer = new ResizeObserver(() => {
      width.value = el.value?.clientWidth ?? 0;
      height.value = el.value?.clientHeight ?? 0;
    });
    observer.observe(el.value);
  });
  onBeforeUnmount(() => observer?.disconnect());
  return { width, height };
}

/**
 * The gallery's interaction seam: the keyboard moves the focus, the pointer shows a
 * neuron's figures and a click opens its detail.
 */
import { computed, ref, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import type { LayerInfo } from '../../../workers/engine/prepare';
import { formatNumber } from '../domain/format';
import { cellAt, type GalleryLayout } from '../render/gallery-layout';
import { useExplore } from '../stores/explore';
import { useGallery } from '../stores/gallery';

export interface GalleryInteractionInputs {
  readonly scroller: Ref<HTMLDivElement | undefined>;
  readonly scrollTop: Ref<number>;
  readonly layout: Ref<GalleryLayout>;
  readonly layerInfo: Ref<ReadonlyMap<string, LayerInfo>>;
}

export function useGalleryInteraction(inputs: GalleryInteractionInputs) {
  const gallery = useGallery();
  const explore = useExplore();
  const { t } = useI18n();
  const { scroller, scrollTop, layout, layerInfo } = inputs;

  /** Cells per row as drawn (every section has the same). */
  function columnsOf(): number {
    return layout.value.sections[0]?.cols ?? 1;
  }

  function onKeydown(e: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      gallery.moveFocus(move[0], move[1], columnsOf);
    } else if (e.key === 'Enter' && gallery.focus) {
      e.preventDefault();
      gallery.openDetail(gallery.focus);
    } else if (e.key === 'Home' && gallery.focus) {
      e.preventDefault();
      gallery.focus = { layer: gallery.focus.layer, neuron: explore.neuronAt(gallery.focus.layer, 0) };
    } else if (e.key === 'End' && gallery.focus) {
      e.preventDefault();
      const layer = gallery.focus.layer;
      gallery.focus = { layer, neuron: explore.neuronAt(layer, explore.shownCount(layer, layerInfo.value.get(layer)?.neurons ?? 1) - 1) };
    }
  }

  const hover = ref<{ layer: string; neuron: number; x: number; y: number } | null>(null);
  function cellOfEvent(e: MouseEvent): { layer: string; neuron: number } | null {
    if ((e.target as HTMLElement).closest('.layer-header')) return null;
    const rect = scroller.value!.getBoundingClientRect();
    const cell = cellAt(layout.value, e.clientX - rect.left, e.clientY - rect.top + scrollTop.value);
    return cell ? { layer: cell.layer, neuron: explore.neuronAt(cell.layer, cell.neuron) } : null;
  }
  function onMouseMove(e: MouseEvent): void {
    const cell = cellOfEvent(e);
    const wrap = scroller.value!.parentElement!.getBoundingClientRect();
    hover.value = cell ? { ...cell, x: e.clientX - wrap.left, y: e.clientY - wrap.top } : null;
  }
  function onClick(e: MouseEvent): void {
    const cell = cellOfEvent(e);
    if (cell) gallery.openDetail(cell);
  }

  const hoverInfo = computed(() => {
    const h = hover.value;
    if (!h) return null;
    void gallery.revision;
    const data = gallery.layerData(h.layer);
    const className = explore.labelOf(h.layer, h.neuron);
    const name = `${layerInfo.value.get(h.layer)?.name ?? h.layer}${className ? ` · ${className}` : ''}`;
    if (!data || !data.has(h.neuron)) return { title: `${name} · ${h.neuron}`, lines: [t(data?.state[h.neuron] === 2 ? 'gallery.failed' : 'gallery.pending')] };
    const lines = [
      `${t('detail.activation')}: ${formatNumber(data.activations[h.neuron])}`,
      `‖a‖: ${formatNumber(data.norms[h.neuron])}`,
      `${t('detail.bias')}: ${formatNumber(data.baselines[h.neuron])}`,
    ];
    if (data.dead[h.neuron]) lines.unshift(t('gallery.deadLong'));
    return { title: `${name} · ${h.neuron}`, lines };
  });

  return { columnsOf, onKeydown, hover, onMouseMove, onClick, hoverInfo };
}

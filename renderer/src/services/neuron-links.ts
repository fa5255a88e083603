/**
 * Links that name a neuron: the web build keeps the focused neuron in the address
 * (#model=…&layer=…&neuron=…), and opening such an address (or a copied neurovis:// link
 * in the desktop app) shows the model at that neuron, reopening it from the recent models
 * when it is not open.
 */
import { onBeforeUnmount, onMounted, watch } from 'vue';
import { desktopLink, neuronHash, parseNeuronLink, type NeuronLink } from '../domain/neuron-link';
import { getHost } from '../host/index';
import { useGallery, type NeuronRef } from '../stores/gallery';
import { useModel } from '../stores/model';

/** The link of a neuron of the open model: neurovis:// with the file's path in the desktop app, the page's address in a browser. */
function neuronLinkText(ref: NeuronRef): string {
  const model = useModel();
  const path = model.files[0]?.path;
  if (getHost().kind === 'electron' && path) return desktopLink({ model: path, ...ref });
  return `${location.origin}${location.pathname}${neuronHash({ model: model.title, ...ref })}`;
}

export async function copyNeuronLink(ref: NeuronRef): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(neuronLinkText(ref));
    return true;
  } catch {
    return false;
  }
}

/** Keeps the address in step with the focused neuron, and follows addresses that name one. */
export function useNeuronLinks(openRecent: (key: string) => Promise<void>): void {
  const gallery = useGallery();
  const model = useModel();
  let pending: NeuronLink | null = null;

  function apply(): void {
    const link = pending;
    const summary = gallery.summary;
    if (!link || !summary) return;
    pending = null;
    // Another model opened meanwhile: the link is dropped.
    if (link.model !== model.title && link.model !== model.files[0]?.path) return;
    const layer = summary.layers.find((l) => l.id === link.layer);
    if (layer && link.neuron < layer.neurons) gallery.openDetail({ layer: layer.id, neuron: link.neuron });
  }

  async function follow(text: string): Promise<void> {
    const link = parseNeuronLink(text);
    if (!link) return;
    pending = link;
    if (gallery.summary && (link.model === model.title || link.model === model.files[0]?.path)) return apply();
    const recent = (await getHost().recentModels()).find((r) => r.name === link.model || r.key === link.model);
    if (recent) await openRecent(recent.key);
  }

  watch(() => gallery.summary, apply);
  watch(
    () => [gallery.focus, gallery.summary] as const,
    ([focus, summary]) => {
      if (getHost().kind !== 'browser' || !focus || !summary || pending) return;
      const hash = neuronHash({ model: model.title, ...focus });
      if (location.hash !== hash) history.replaceState(null, '', hash);
    },
  );
  const onHashChange = (): void => void follow(location.hash);
  onMounted(() => {
    window.addEventListener('hashchange', onHashChange);
    if (location.hash) void follow(location.hash);
  });
  onBeforeUnmount(() => window.removeEventListener('hashchange', onHashChange));
}

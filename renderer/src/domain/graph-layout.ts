/**
 * A layered drawing of a model's graph: rearrangement nodes (reshapes, transposes …) folded
 * into the edges they sit on, each node one rank below the lowest of its inputs (longest
 * path from the input), and the nodes of a rank ordered by where their inputs are.
 */
import type { ModelStructure, StructureNode } from '../../../workers/engine/structure';

/** Ops that only move values around: drawn as part of an edge, not as a node. */
export const REARRANGEMENTS: ReadonlySet<string> = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Transpose', 'Cast', 'Expand']);

export interface GraphBox {
  /** The node's name; the input's tensor name for the input. */
  readonly id: string;
  readonly opType: string;
  readonly node: StructureNode | null;
  readonly rank: number;
  /** Position within the rank, centred on 0. */
  readonly x: number;
  readonly y: number;
  /** Rearrangement nodes folded into the edges that reach this node. */
  readonly via: readonly string[];
  /** The gallery layer this box stands for: its own output, or a rearrangement of it (a Keras layer ending in a transpose). */
  readonly layer: string | null;
}

export interface GraphLayout {
  readonly boxes: readonly GraphBox[];
  readonly edges: readonly { readonly from: string; readonly to: string }[];
  readonly ranks: number;
}

const RANK_GAP = 70;
export const COLUMN_GAP = 170;

export function layoutGraph(structure: ModelStructure): GraphLayout {
  const producer = new Map<string, string>();
  for (const n of structure.nodes) for (const o of n.outputs) producer.set(o, n.name);
  const byName = new Map(structure.nodes.map((n) => [n.name, n]));
  const inputId = structure.input;

  /** The kept nodes a tensor comes from, looking through rearrangements (collected in `via`). */
  const sources = new Map<string, { from: string[]; via: string[] }>();
  function sourcesOf(tensor: string): { from: string[]; via: string[] } {
    const p = producer.get(tensor);
    if (!p) return { from: tensor === inputId ? [inputId] : [], via: [] };
    const node = byName.get(p)!;
    if (!REARRANGEMENTS.has(node.opType)) return { from: [p], via: [] };
    let known = sources.get(p);
    if (!known) {
      const from = new Set<string>();
      const via = [p];
      for (const t of node.inputs) {
        const s = sourcesOf(t);
        s.from.forEach((f) => from.add(f));
        via.push(...s.via);
      }
      known = { from: [...from], via };
      sources.set(p, known);
    }
    return known;
  }

  const rank = new Map<string, number>([[inputId, 0]]);
  const preds = new Map<string, string[]>();
  const via = new Map<string, string[]>();
  const kept: StructureNode[] = [];
  for (const n of structure.nodes) {
    if (REARRANGEMENTS.has(n.opType)) continue;
    const from = new Set<string>();
    const folded: string[] = [];
    for (const t of n.inputs) {
      const s = sourcesOf(t);
      s.from.forEach((f) => from.add(f));
      folded.push(...s.via);
    }
    preds.set(n.name, [...from]);
    via.set(n.name, folded);
    rank.set(n.name, Math.max(0, ...[...from].map((f) => rank.get(f) ?? 0)) + 1);
    kept.push(n);
  }

  const ranks: string[][] = [[inputId]];
  for (const n of kept) (ranks[rank.get(n.name)!] ??= []).push(n.name);
  const column = new Map<string, number>([[inputId, 0]]);
  for (let r = 1; r < ranks.length; r++) {
    const row = (ranks[r] ??= []);
    const centre = (id: string): number => {
      const p = preds.get(id) ?? [];
      return p.length === 0 ? 0 : p.reduce((a, b) => a + (column.get(b) ?? 0), 0) / p.length;
    };
    row.sort((a, b) => centre(a) - centre(b));
    row.forEach((id, i) => column.set(id, i - (row.length - 1) / 2));
  }

  const layerOf = new Map<string, string>();
  for (const n of kept) if (n.layer) layerOf.set(n.name, n.layer);
  for (const n of structure.nodes) {
    if (!REARRANGEMENTS.has(n.opType) || !n.layer) continue;
    const from = sourcesOf(n.outputs[0]).from;
    if (from.length === 1 && !layerOf.has(from[0])) layerOf.set(from[0], n.layer);
  }

  const boxes: GraphBox[] = [{ id: inputId, opType: 'Input', node: null, rank: 0, x: 0, y: 0, via: [], layer: null }];
  for (const n of kept) {
    const r = rank.get(n.name)!;
    boxes.push({ id: n.name, opType: n.opType, node: n, rank: r, x: column.get(n.name)! * COLUMN_GAP, y: r * RANK_GAP, via: via.get(n.name)!, layer: layerOf.get(n.name) ?? null });
  }
  const edges = kept.flatMap((n) => preds.get(n.name)!.map((from) => ({ from, to: n.name })));
  return { boxes, edges, ranks: ranks.length };
}

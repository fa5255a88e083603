// Every string of the interface goes through i18n, and zh-CN translates every key: a
// missing key, an English value left in zh-CN, or English text written straight into a
// component's template fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'vue/compiler-sfc';
import { en } from '../../renderer/src/i18n/en';
import { zhCN } from '../../renderer/src/i18n/zh-CN';

type Tree = { readonly [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

/** Values that are the same in every language: symbols, proper names, file names. */
const SAME_IN_EVERY_LANGUAGE = new Set(['detail.norm', 'modes.deconvnet', 'colormaps.viridis', 'locales.en', 'locales.zh-CN']);

/** Words that may stand in a template as they are (names of things, not text to translate). */
const NAMES = /\b(Neurovis|RGB|ONNX|Keras|NumPy|x\*|px)\b/g;

const english = flatten(en as unknown as Tree);
const chinese = flatten(zhCN as unknown as Tree);

describe('zh-CN', () => {
  test('has every key of English and no other', () => {
    expect([...chinese.keys()].filter((k) => !english.has(k))).toEqual([]);
    expect([...english.keys()].filter((k) => !chinese.has(k))).toEqual([]);
  });

  test('translates every value (no English left)', () => {
    const untranslated = [...english].filter(([k, v]) => !SAME_IN_EVERY_LANGUAGE.has(k) && chinese.get(k) === v).map(([k]) => k);
    expect(untranslated).toEqual([]);
    // A value with no Chinese character at all is English in disguise.
    const latinOnly = [...chinese].filter(([k, v]) => !SAME_IN_EVERY_LANGUAGE.has(k) && /[A-Za-z]{3}/.test(v) && !/[\u4e00-\u9fff]/.test(v)).map(([k]) => k);
    expect(latinOnly).toEqual([]);
  });

  test('keeps the placeholders of each English message', () => {
    const names = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const differing = [...english].filter(([k, v]) => names(v).join() !== names(chinese.get(k) ?? '').join()).map(([k]) => k);
    expect(differing).toEqual([]);
  });
});

interface TemplateNode {
  readonly type: number;
  readonly content?: string;
  readonly tag?: string;
  readonly props?: readonly { readonly type: number; readonly name: string; readonly value?: { readonly content: string } }[];
  readonly children?: readonly TemplateNode[];
  readonly branches?: readonly TemplateNode[];
}

const ELEMENT = 1;
const TEXT = 2;
const ATTRIBUTE = 6;
const IF = 9;
const FOR = 11;
/** Attributes people read (static ones must be translated too). */
const READ_ATTRIBUTES = new Set(['title', 'aria-label', 'placeholder', 'alt', 'aria-description']);

function englishIn(text: string): boolean {
  return /[A-Za-z]{2,}/.test(text.replace(NAMES, ''));
}

/** Text and readable attributes written literally into a template. */
function literalTexts(node: TemplateNode, out: string[]): void {
  if (node.type === TEXT && node.content && englishIn(node.content)) out.push(node.content.trim());
  if (node.type === ELEMENT) {
    for (const p of node.props ?? []) {
      if (p.type === ATTRIBUTE && READ_ATTRIBUTES.has(p.name) && p.value && englishIn(p.value.content)) out.push(`${p.name}="${p.value.content}"`);
    }
  }
  if (node.type === IF) for (const b of node.branches ?? []) literalTexts(b, out);
  if (node.type === ELEMENT || node.type === FOR || node.type === 0 || node.type === 10) for (const c of node.children ?? []) literalTexts(c, out);
}

const componentsDir = join(__dirname, '../../renderer/src/components');
const files = [join(__dirname, '../../renderer/src/App.vue'), ...readdirSync(componentsDir).filter((f) => f.endsWith('.vue')).map((f) => join(componentsDir, f))];

describe('templates', () => {
  test.each(files.map((f) => [f.split('/').pop()!, f]))('%s has no literal English text', (_name, file) => {
    const { descriptor } = parse(readFileSync(file, 'utf8'), { filename: file });
    const found: string[] = [];
    if (descriptor.template?.ast) literalTexts(descriptor.template.ast as unknown as TemplateNode, found);
    expect(found).toEqual([]);
  });

  test('the check finds English written into a template', () => {
    const { descriptor } = parse('<template><div><button title="Close">Export</button><p v-if="a">{{ t(\'x\') }} Saved</p></div></template>');
    const found: string[] = [];
    literalTexts(descriptor.template!.ast as unknown as TemplateNode, found);
    expect(found).toEqual(['title="Close"', 'Export', 'Saved']);
  });
});

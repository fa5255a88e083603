// Dead exports: an exported name of the app's code (not test/, bench/, build/) that no other
// tracked file mentions and its own file does not use either. Part of `npm run lint`.
// A text search, not a type analysis: a name that also appears elsewhere for another reason
// counts as used, so it misses some dead names but never flags a live one.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const SOURCE = /\.(ts|vue|mjs|cjs|js)$/;
const NOT_APP = /^(test|bench|build)\//;
const EXPORTED = /^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|abstract\s+class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => SOURCE.test(f) && !f.endsWith('.d.ts'));
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));

/** Every identifier-like word of all files, with the files it appears in. */
const filesOf = new Map();
for (const [f, src] of text) {
  for (const word of new Set(src.match(/[A-Za-z_$][\w$]*/g) ?? [])) {
    const seen = filesOf.get(word);
    if (seen) seen.push(f);
    else filesOf.set(word, [f]);
  }
}

const dead = [];
for (const [f, src] of text) {
  if (NOT_APP.test(f)) continue;
  for (const [, name] of src.matchAll(EXPORTED)) {
    if (filesOf.get(name).some((g) => g !== f)) continue;
    const uses = src.match(new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g')).length;
    if (uses === 1) dead.push(`${f}: ${name} is exported and used nowhere`);
  }
}
for (const line of dead) console.error(line);
if (dead.length > 0) process.exit(1);

// `npm run typecheck`: every tsconfig*.json at the top of the project, through vue-tsc
// (TypeScript plus the <script lang="ts"> of .vue files). tsconfig.json is the whole
// project; tsconfig.engine.json checks that engine, formats and imaging need no DOM or Node.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const projects = readdirSync(root).filter((f) => /^tsconfig(\..+)?\.json$/.test(f)).sort();
let failed = 0;
for (const project of projects) {
  const result = spawnSync('npx', ['vue-tsc', '--noEmit', '-p', project], { cwd: root, stdio: 'inherit' });
  const ok = result.status === 0;
  if (!ok) failed++;
  console.log(`typecheck ${project}: ${ok ? 'ok' : 'errors'}`);
}
process.exit(failed === 0 ? 0 : 1);

#!/usr/bin/env node
// The installed `neurovis` command: runs the Node bundle of the CLI, building it first when it
// is not there yet (install scripts are off in this project: see .npmrc).
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'node', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write('neurovis: building the command line tool once (build/build-node.mjs)…\n');
  const built = spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0 || !existsSync(bundle)) {
    process.stderr.write('neurovis: the CLI could not be built; run `npm install`, then `npm run build:node`, in the Neurovis folder\n');
    process.exit(1);
  }
}
import(require('node:url').pathToFileURL(bundle).href);

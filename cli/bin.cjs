#!/usr/bin/env node
// The installed `neurovis` command: runs the bundle `npm install` builds (build/build-node.mjs).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'node', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write('neurovis: the CLI is not built; run `npm run build:node` in the Neurovis folder\n');
  process.exit(1);
}
import(require('node:url').pathToFileURL(bundle).href);

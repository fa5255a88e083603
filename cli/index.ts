import { needsRelaunch, relaunch } from './allocator';

// dist/node/cli.js: starts the CLI (cli/run.ts, bundled apart as dist/node/cli-run.js) in this
// process, or in a child with the allocator set (cli/allocator.ts); the launcher loads no more
// than it needs, so a waiting parent holds ~40 MB.
if (needsRelaunch(process.platform, process.env)) {
  relaunch().then((code) => {
    process.exitCode = code;
  });
} else {
  // A path esbuild does not follow: cli-run.js is its own bundle, beside this one.
  const run = new URL('./cli-run.js', import.meta.url).href;
  await import(run);
}

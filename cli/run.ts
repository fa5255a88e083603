import { main } from './main';

// The CLI itself (dist/node/cli-run.js), loaded by cli/index.ts in the process that computes.
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

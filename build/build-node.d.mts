/** Builds the named Node bundles (cli, worker, bench; all by default) into dist/node. */
export function buildNode(names?: readonly string[]): Promise<string[]>;

/** The last part of a path, with `/` or `\` as separators: files arrive from any OS. */
export const baseName = (name: string): string => name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);

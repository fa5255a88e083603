/** A JSON file bigger than this is not parsed just to find the files it names. */
const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** The parsed JSON of a file, or undefined when it is not JSON (or too big to look into); never throws. */
export function tryParseJson(bytes: Uint8Array): unknown {
  if (bytes.length > MAX_JSON_BYTES) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8').decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

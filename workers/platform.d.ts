// The few platform globals the pure engine and readers use. Node, browsers and Web
// Workers all provide them; declaring them here keeps DOM and Node types out.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare const console: { log(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void };
declare function queueMicrotask(callback: () => void): void;

// Types of the icon generator (a plain Node script, see generate-icons.mjs).
export type Shape = Record<string, unknown>;
export declare const PNG_SIZES: number[];
export declare const ICO_SIZES: number[];
export declare const ICNS_TYPES: [string, number][];
export declare function appIcon(detail?: boolean): Shape[];
export declare function documentIcon(detail?: boolean): Shape[];
export declare function toSvg(shapes: Shape[], title: string): string;
export declare function rasterize(shapes: Shape[], size: number): Uint8Array;
export declare function crc32(bytes: Uint8Array): number;
export declare function encodePng(rgba: Uint8Array, size: number): Buffer;
export declare function encodeIco(pngsBySize: Map<number, Buffer>): Buffer;
export declare function encodeIcns(pngsBySize: Map<number, Buffer>): Buffer;
export declare function renderAll(): Map<string, Buffer>;

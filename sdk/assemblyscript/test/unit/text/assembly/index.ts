// The SDK's text helpers (lenient UTF-8, base64) as plain exports, for
// sdk/assemblyscript/test/text.test.ts (called through @assemblyscript/loader).
import { base64Decode, base64Encode, utf8Lenient } from "@wasmap/sdk-assemblyscript";

export const Uint8Array_ID = idof<Uint8Array>();

export function utf8(b: Uint8Array, start: i32, end: i32): string { return utf8Lenient(b, start, end); }
export function b64encode(b: Uint8Array): string { return base64Encode(b); }
export function b64decode(s: string): Uint8Array | null { return base64Decode(s); }

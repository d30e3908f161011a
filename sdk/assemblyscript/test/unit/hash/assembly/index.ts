// The SDK's hashes as plain exports, for sdk/assemblyscript/test/hash.test.ts
// (called through @assemblyscript/loader).
import { md5 as md5_, sha1 as sha1_, sha256 as sha256_ } from "@wasmap/sdk-assemblyscript";

export const Uint8Array_ID = idof<Uint8Array>();

export function md5(b: Uint8Array): Uint8Array { return md5_(b); }
export function sha1(b: Uint8Array): Uint8Array { return sha1_(b); }
export function sha256(b: Uint8Array): Uint8Array { return sha256_(b); }

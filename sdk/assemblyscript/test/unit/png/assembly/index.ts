// The SDK's PNG encoder as a plain export, for sdk/assemblyscript/test/png.test.ts
// (called through @assemblyscript/loader).
import { encodePng as encodePng_ } from "@wasmap/sdk-assemblyscript";

export const Uint8Array_ID = idof<Uint8Array>();

export function encodePng(width: i32, height: i32, rgba: Uint8Array): Uint8Array { return encodePng_(width, height, rgba); }

/**
 * Embeds a manifest in a plugin: the `wasmap.manifest` custom section (ABI §2)
 * holding the manifest as a standard msgpack map. Any existing manifest
 * section is replaced, so packing twice is harmless.
 */
import { Packr } from 'msgpackr';
import { WasmapError } from '../errors.js';

export const MANIFEST_SECTION = 'wasmap.manifest';

// Standard msgpack only (ABI §9): no records, no extensions; text as str.
const packr = new Packr({ useRecords: false, variableMapSize: true });

/** Unsigned LEB128, as the wasm binary format writes sizes. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function readUleb(buf: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new WasmapError('WASMAP_PLUGIN_LOAD', 'truncated wasm binary');
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return [result, pos];
    shift += 7;
    if (shift > 35) throw new WasmapError('WASMAP_PLUGIN_LOAD', 'bad LEB128 in wasm binary');
  }
}

/** The wasm binary without its manifest section(s). */
export function stripManifest(wasm: Uint8Array): Uint8Array {
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw new WasmapError('WASMAP_PLUGIN_LOAD', 'not a WebAssembly binary (bad magic)');
  }
  const keep: Uint8Array[] = [wasm.subarray(0, 8)];
  let pos = 8;
  while (pos < wasm.length) {
    const start = pos;
    const id = wasm[pos++]!;
    const [size, body] = readUleb(wasm, pos);
    const end = body + size;
    if (end > wasm.length) throw new WasmapError('WASMAP_PLUGIN_LOAD', 'truncated wasm section');
    let drop = false;
    if (id === 0) {
      const [nameLen, nameStart] = readUleb(wasm, body);
      drop = Buffer.from(wasm.subarray(nameStart, nameStart + nameLen)).toString('utf8') === MANIFEST_SECTION;
    }
    if (!drop) keep.push(wasm.subarray(start, end));
    pos = end;
  }
  return new Uint8Array(Buffer.concat(keep));
}

export function encodeManifest(manifest: Record<string, unknown>): Uint8Array {
  return new Uint8Array(packr.pack(manifest));
}

/** `wasm` with a custom section `name` holding `payload` appended (raw: no check of the payload). */
export function appendCustomSection(wasm: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = Buffer.from(name, 'utf8');
  const body = Buffer.concat([Buffer.from(uleb(nameBytes.length)), nameBytes, payload]);
  return new Uint8Array(Buffer.concat([wasm, Buffer.from([0, ...uleb(body.length)]), body]));
}

/** `wasm` with `manifest` as its (only) wasmap.manifest section. */
export function packManifest(wasm: Uint8Array, manifest: Record<string, unknown>): Uint8Array {
  return appendCustomSection(stripManifest(wasm), MANIFEST_SECTION, encodeManifest(manifest));
}

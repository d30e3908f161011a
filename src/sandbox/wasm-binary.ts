/**
 * A small reader for the parts of a (validated) wasm binary the loader needs:
 * function signatures of imports/exports, the memory and table limits and
 * the size of the code, plus writers that rewrite the memory and table
 * sections with a lower maximum. The input has passed WebAssembly.validate,
 * so the reader only guards lengths.
 */

export interface FuncType {
  params: string[];
  results: string[];
}

export interface MemoryLimits {
  initial: number;
  maximum?: number;
  shared: boolean;
  memory64: boolean;
}

export interface TableLimits {
  /** `funcref` or `externref` */
  elem: string;
  initial: number;
  maximum?: number;
}

export interface ImportEntry {
  module: string;
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global' | 'tag';
  type?: FuncType;
}

export interface ExportEntry {
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global' | 'tag';
  type?: FuncType;
}

export interface WasmInfo {
  imports: ImportEntry[];
  exports: ExportEntry[];
  /** Memories defined by the module itself (not imported). */
  memories: MemoryLimits[];
  /** Byte range of the memory section payload, for rewriting. */
  memorySection?: SectionRange;
  /** Tables defined by the module itself (an imported one is an unknown import). */
  tables: TableLimits[];
  tableSection?: SectionRange;
  /** Functions defined by the module (imports not counted). */
  functions: number;
  /** Size of the code section payload, in bytes. */
  codeBytes: number;
  /** The most locals one function declares (parameters not counted). */
  maxLocals: number;
  customSections: { name: string; data: Uint8Array }[];
}

/** A section: where its id byte is (`header`) and its payload's byte range. */
export interface SectionRange {
  header: number;
  start: number;
  end: number;
}

const VALTYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
const KINDS = ['func', 'table', 'memory', 'global', 'tag'] as const;

class Reader {
  pos: number;
  constructor(readonly b: Uint8Array, start = 0, readonly end = b.length) {
    this.pos = start;
  }
  byte(): number {
    if (this.pos >= this.end) throw new RangeError('unexpected end of wasm section');
    return this.b[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      result += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return result;
      shift += 7;
      if (shift > 63) throw new RangeError('bad LEB128');
    }
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new RangeError('unexpected end of wasm section');
    const s = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  name(): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes(this.u32()));
  }
  limits(): MemoryLimits {
    const flags = this.byte();
    const initial = this.u32();
    const maximum = flags & 1 ? this.u32() : undefined;
    return { initial, maximum, shared: (flags & 2) !== 0, memory64: (flags & 4) !== 0 };
  }
  valtype(): string {
    const t = this.byte();
    return VALTYPES[t] ?? `0x${t.toString(16)}`;
  }
}

export function readWasm(bytes: Uint8Array): WasmInfo {
  const r = new Reader(bytes, 8);
  const types: FuncType[] = [];
  const funcTypes: number[] = []; // type index per function index (imports first)
  const info: WasmInfo = { imports: [], exports: [], memories: [], tables: [], functions: 0, codeBytes: 0, maxLocals: 0, customSections: [] };
  const rawExports: { name: string; kind: number; index: number }[] = [];
  while (r.pos < bytes.length) {
    const header = r.pos;
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    const s = new Reader(bytes, start, start + size);
    if (id === 0) {
      const name = s.name();
      info.customSections.push({ name, data: bytes.subarray(s.pos, start + size) });
    } else if (id === 1) {
      for (let n = s.u32(); n > 0; n--) {
        const form = s.byte();
        if (form !== 0x60) throw new RangeError('unsupported type form');
        const params = Array.from({ length: s.u32() }, () => s.valtype());
        const results = Array.from({ length: s.u32() }, () => s.valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = s.u32(); n > 0; n--) {
        const module = s.name();
        const name = s.name();
        const kind = s.byte();
        const entry: ImportEntry = { module, name, kind: KINDS[kind] ?? 'tag' };
        if (kind === 0) {
          const t = s.u32();
          funcTypes.push(t);
          entry.type = types[t];
        } else if (kind === 1) {
          s.byte();
          s.limits();
        } else if (kind === 2) {
          s.limits();
        } else if (kind === 3) {
          s.byte();
          s.byte();
        } else {
          s.byte();
          s.u32();
        }
        info.imports.push(entry);
      }
    } else if (id === 3) {
      for (let n = s.u32(); n > 0; n--) funcTypes.push(s.u32());
    } else if (id === 4) {
      for (let n = s.u32(); n > 0; n--) {
        const elem = s.byte();
        // 0x40 opens a table with an initializer (function-references): not MVP + reference types.
        if (elem !== 0x70 && elem !== 0x6f) throw new RangeError(`unsupported table form 0x${elem.toString(16)}`);
        const { initial, maximum, memory64 } = s.limits();
        if (memory64) throw new RangeError('64-bit tables are not supported');
        info.tables.push({ elem: VALTYPES[elem]!, initial, maximum });
      }
      info.tableSection = { header, start, end: start + size };
    } else if (id === 5) {
      for (let n = s.u32(); n > 0; n--) info.memories.push(s.limits());
      info.memorySection = { header, start, end: start + size };
    } else if (id === 7) {
      for (let n = s.u32(); n > 0; n--) rawExports.push({ name: s.name(), kind: s.byte(), index: s.u32() });
    } else if (id === 10) {
      info.codeBytes = size;
      for (let n = s.u32(); n > 0; n--) {
        const bodySize = s.u32();
        const bodyEnd = s.pos + bodySize;
        let locals = 0;
        for (let d = s.u32(); d > 0; d--) {
          locals += s.u32();
          s.valtype();
        }
        info.functions++;
        info.maxLocals = Math.max(info.maxLocals, locals);
        s.pos = bodyEnd;
      }
    }
    r.pos = start + size;
  }
  for (const e of rawExports) {
    const entry: ExportEntry = { name: e.name, kind: KINDS[e.kind] ?? 'tag' };
    if (e.kind === 0) {
      const t = funcTypes[e.index];
      if (t !== undefined) entry.type = types[t];
    }
    info.exports.push(entry);
  }
  return info;
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A copy of `bytes` with the payload of section `sec` (id `id`) replaced by `payload`. */
function replaceSection(bytes: Uint8Array, sec: SectionRange, id: number, payload: number[]): Uint8Array {
  const header = [id, ...leb(payload.length)];
  const out = new Uint8Array(sec.header + header.length + payload.length + (bytes.length - sec.end));
  out.set(bytes.subarray(0, sec.header), 0);
  out.set(header, sec.header);
  out.set(payload, sec.header + header.length);
  out.set(bytes.subarray(sec.end), sec.header + header.length + payload.length);
  return out;
}

/**
 * Returns a copy of `bytes` whose (single, 32-bit) memory has maximum
 * `maxPages`. The caller has checked that the initial size fits.
 */
export function capMemory(bytes: Uint8Array, info: WasmInfo, maxPages: number): Uint8Array {
  const sec = info.memorySection;
  const mem = info.memories[0];
  if (!sec || !mem) return bytes;
  return replaceSection(bytes, sec, 5, [...leb(1), 0x01, ...leb(mem.initial), ...leb(maxPages)]);
}

/**
 * Returns a copy of `bytes` where every table's maximum is at most
 * `maxEntries` (a table without one gets it), or `bytes` when all are
 * already below. The caller has checked that the initial sizes fit.
 */
export function capTables(bytes: Uint8Array, info: WasmInfo, maxEntries: number): Uint8Array {
  const sec = info.tableSection;
  if (!sec || info.tables.every((t) => t.maximum !== undefined && t.maximum <= maxEntries)) return bytes;
  const payload = [...leb(info.tables.length)];
  for (const t of info.tables) {
    const max = Math.min(t.maximum ?? maxEntries, maxEntries);
    payload.push(t.elem === 'externref' ? 0x6f : 0x70, 0x01, ...leb(t.initial), ...leb(max));
  }
  return replaceSection(bytes, sec, 4, payload);
}

export function signature(t: FuncType | undefined): string {
  return t ? `(${t.params.join(', ')}) -> (${t.results.join(', ')})` : '?';
}

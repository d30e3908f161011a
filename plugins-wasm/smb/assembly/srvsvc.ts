// DCE/RPC over the \PIPE\srvsvc named pipe (C706 §12.6 connection-oriented
// PDUs, NDR 32-bit; MS-SRVS §3.1.4.8 NetrShareEnum): bind to srvsvc 3.0,
// then NetrShareEnum at level 1 (name, type, remark), as `smbclient -L` does.
import { utf16le } from "@wasmap/sdk-assemblyscript";
import { le16, le32, put16, put32 } from "./wire";

const PTYPE_REQUEST: u8 = 0;
const PTYPE_RESPONSE: u8 = 2;
const PTYPE_FAULT: u8 = 3;
const PTYPE_BIND: u8 = 11;
const PTYPE_BIND_ACK: u8 = 12;
const PFC_FIRST: u8 = 0x01;
const PFC_LAST: u8 = 0x02;
/** Our fragment size, the one Windows uses. */
const MAX_FRAG: i32 = 4280;
const OPNUM_NETR_SHARE_ENUM: i32 = 15;
/** Most shares read; a longer list is cut (and says so). */
export const MAX_SHARES: i32 = 256;

/** srvsvc 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0, then NDR 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0. */
const SRVSVC: u8[] = [0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88, 3, 0, 0, 0];
const NDR: u8[] = [0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 2, 0, 0, 0];

function pdu(ptype: u8, callId: u32, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(16 + body.length);
  b[0] = 5;
  b[2] = ptype;
  b[3] = PFC_FIRST | PFC_LAST;
  b[4] = 0x10; // little-endian, ASCII, IEEE floats
  put16(b, 8, b.length);
  put32(b, 12, callId);
  b.set(body, 16);
  return b;
}

export function bind(callId: u32): Uint8Array {
  const body = new Uint8Array(12 + 4 + 40);
  put16(body, 0, MAX_FRAG);
  put16(body, 2, MAX_FRAG);
  body[8] = 1; // one presentation context
  body[14] = 1; // context 0, one transfer syntax
  for (let i = 0; i < 20; i++) { body[16 + i] = SRVSVC[i]; body[36 + i] = NDR[i]; }
  return pdu(PTYPE_BIND, callId, body);
}

/** "" when `b` is a bind_ack accepting the context, else why not. */
export function bindAckError(b: Uint8Array): string {
  if (b.length < 16 || b[0] != 5) return "not a DCE/RPC PDU";
  if (b[2] != PTYPE_BIND_ACK) return "DCE/RPC bind answered with PDU type " + b[2].toString();
  // secondary address (u16 length + text), padded to 4, then the result list
  if (b.length < 26) return "short bind_ack";
  let at = 24 + 2 + le16(b, 24);
  at = (at + 3) & ~3;
  if (at + 8 > b.length || b[at] < 1) return "bind_ack without results";
  const result = le16(b, at + 4);
  return result == 0 ? "" : "srvsvc bind rejected (result " + result.toString() + ", reason " + le16(b, at + 6).toString() + ")";
}

/** NDR conformant varying string: max count, offset 0, actual count, UTF-16 with its NUL, padded to 4. */
function ndrString(out: Array<u8>, s: string): void {
  const n = s.length + 1;
  pushU32(out, n); pushU32(out, 0); pushU32(out, n);
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); out.push(<u8>c); out.push(<u8>(c >> 8)); }
  out.push(0); out.push(0);
  while (out.length & 3) out.push(0);
}

function pushU32(out: Array<u8>, v: u32): void { out.push(<u8>v); out.push(<u8>(v >> 8)); out.push(<u8>(v >> 16)); out.push(<u8>(v >> 24)); }

/** NetrShareEnum(\\server, level 1, empty container, no size limit, resume handle 0). */
export function netrShareEnum(callId: u32, server: string): Uint8Array {
  const stub = new Array<u8>();
  pushU32(stub, 0x00020000); // ServerName: unique pointer
  ndrString(stub, "\\\\" + server);
  pushU32(stub, 1); // InfoStruct.Level
  pushU32(stub, 1); // union discriminant
  pushU32(stub, 0x00020004); // pointer to SHARE_INFO_1_CONTAINER
  pushU32(stub, 0); // EntriesRead
  pushU32(stub, 0); // Buffer: NULL
  pushU32(stub, 0xffffffff); // PreferedMaximumLength
  pushU32(stub, 0x00020008); // ResumeHandle: unique pointer
  pushU32(stub, 0);
  const body = new Uint8Array(8 + stub.length);
  put32(body, 0, stub.length); // alloc hint
  put16(body, 6, OPNUM_NETR_SHARE_ENUM);
  for (let i = 0; i < stub.length; i++) body[8 + i] = stub[i];
  return pdu(PTYPE_REQUEST, callId, body);
}

/** Stub data joined from the response fragments in `b`; `error` when they are not a complete response. */
export class Reassembly {
  stub: Uint8Array = new Uint8Array(0);
  complete: bool = false;
  error: string = "";
}

export function reassemble(b: Uint8Array): Reassembly {
  const r = new Reassembly();
  const parts = new Array<Uint8Array>();
  let total = 0;
  let at = 0;
  while (at + 16 <= b.length) {
    if (b[at] != 5) { r.error = "not a DCE/RPC PDU"; return r; }
    const len = le16(b, at + 8), auth = le16(b, at + 10);
    if (len < 24 || at + len > b.length) break; // the rest of this fragment has not come yet
    if (b[at + 2] == PTYPE_FAULT) { r.error = "DCE/RPC fault 0x" + le32(b, at + 24).toString(16); return r; }
    if (b[at + 2] != PTYPE_RESPONSE) { r.error = "DCE/RPC PDU type " + b[at + 2].toString() + " instead of a response"; return r; }
    const stubEnd = at + len - (auth > 0 ? auth + 8 : 0);
    if (stubEnd < at + 24) { r.error = "DCE/RPC fragment shorter than its header"; return r; }
    parts.push(b.subarray(at + 24, stubEnd));
    total += stubEnd - at - 24;
    const last = (b[at + 3] & PFC_LAST) != 0;
    at += len;
    if (last) { r.complete = true; break; }
  }
  const stub = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < parts.length; i++) { stub.set(parts[i], o); o += parts[i].length; }
  r.stub = stub;
  return r;
}

export class Share {
  constructor(public name: string, public type: u32, public remark: string) {}

  /** STYPE_* (MS-SRVS §2.2.2.4) without the special and temporary bits. */
  get typeName(): string {
    switch (this.type & 0x0fffffff) {
      case 0: return "disk";
      case 1: return "printer";
      case 2: return "device";
      case 3: return "ipc";
      default: return "type " + (this.type & 0x0fffffff).toString();
    }
  }
  get special(): bool { return (this.type & 0x80000000) != 0; }
}

export class ShareList {
  shares: Share[] = [];
  total: i32 = 0;
  werror: u32 = 0;
  error: string = "";
}

/** Bounds-checked NDR reader over the response stub. */
class Ndr {
  at: i32 = 0;
  bad: bool = false;
  constructor(public b: Uint8Array) {}
  u32(): u32 {
    if (this.at + 4 > this.b.length) { this.bad = true; return 0; }
    const v = le32(this.b, this.at);
    this.at += 4;
    return v;
  }
  /** A conformant varying UTF-16 string (NUL dropped). */
  str(): string {
    this.u32(); // max count
    const offset = this.u32();
    const n = this.u32();
    if (this.bad || offset != 0 || n > 65536 || this.at + <i32>n * 2 > this.b.length) { this.bad = true; return ""; }
    const s = utf16le(this.b, this.at, this.at + (n > 0 ? <i32>n - 1 : 0) * 2);
    this.at = (this.at + <i32>n * 2 + 3) & ~3;
    return s;
  }
}

/** NetrShareEnum's [out] values at level 1. */
export function parseShareEnum(stub: Uint8Array): ShareList {
  const r = new ShareList();
  const d = new Ndr(stub);
  const level = d.u32();
  d.u32(); // discriminant
  const container = d.u32();
  if (d.bad || level != 1) { r.error = "NetrShareEnum answered level " + level.toString(); return r; }
  if (container != 0) {
    const count = d.u32();
    const buffer = d.u32();
    if (buffer != 0) {
      const max = d.u32();
      if (d.bad || max != count || count > <u32>MAX_SHARES * 64) { r.error = "share array of " + max.toString() + " for " + count.toString() + " entries"; return r; }
      const names = new Array<u32>(), types = new Array<u32>(), remarks = new Array<u32>();
      for (let i: u32 = 0; i < count; i++) { names.push(d.u32()); types.push(d.u32()); remarks.push(d.u32()); }
      for (let i = 0; i < <i32>count && !d.bad; i++) {
        const name = names[i] != 0 ? d.str() : "";
        const remark = remarks[i] != 0 ? d.str() : "";
        if (i < MAX_SHARES) r.shares.push(new Share(name, types[i], remark));
      }
    }
  }
  r.total = <i32>d.u32();
  if (d.u32() != 0) d.u32(); // resume handle
  r.werror = d.u32();
  if (d.bad) r.error = "NetrShareEnum response cut short";
  return r;
}

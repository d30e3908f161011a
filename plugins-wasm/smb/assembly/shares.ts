// The anonymous share listing, on a connection that holds a null session:
// open the srvsvc pipe on IPC$ (over SMB2 or SMB1, see pipe.ts), DCE/RPC
// bind and NetrShareEnum, close.
import { Pipe } from "./pipe";
import { ShareList, bind, bindAckError, netrShareEnum, parseShareEnum, reassemble } from "./srvsvc";

/**
 * The wait for the pipe's open and the bind: Samba starts its RPC servers
 * (samba-dcerpcd) on the first pipe open, which takes seconds on a busy host.
 */
const PIPE_START_MS: i32 = 10000;
/** Most READs after the first answer for one DCE/RPC response. */
const MAX_READS: i32 = 16;

/** The share list, or why there is none (`error`); the connection's stop is set when it failed. */
export class ShareListing {
  list: ShareList | null = null;
  error: string = "";
}

/** Writes `pdu` to the pipe and reads the whole DCE/RPC response; null with `p.error` or the connection's stop set. */
function call(p: Pipe, pdu: Uint8Array, wait: i32, what: string): Uint8Array | null {
  const first = p.transceive(pdu, wait, what);
  if (first === null) return null;
  let got: Uint8Array = first.data;
  if (!first.more) return got;
  for (let i = 0; i < MAX_READS; i++) {
    const r = reassemble(got);
    if (r.complete || r.error.length > 0) return got;
    const next = p.read(what + " READ");
    if (next === null) return null;
    const joined = new Uint8Array(got.length + next.data.length);
    joined.set(got, 0);
    joined.set(next.data, got.length);
    got = joined;
  }
  return got;
}

export function listShares(p: Pipe, server: string): ShareListing {
  const out = new ShareListing();
  if (!p.open(server, "srvsvc", max(p.timeout, PIPE_START_MS))) { out.error = p.error; return out; }
  const ack = call(p, bind(1), max(p.timeout, PIPE_START_MS), "srvsvc bind");
  if (ack !== null) {
    const why = bindAckError(ack);
    if (why.length > 0) out.error = why;
    else {
      const resp = call(p, netrShareEnum(2, server), p.timeout, "NetrShareEnum");
      if (resp !== null) {
        const r = reassemble(resp);
        if (r.error.length > 0) out.error = r.error;
        else if (!r.complete) out.error = "NetrShareEnum response incomplete after " + MAX_READS.toString() + " READs";
        else {
          const list = parseShareEnum(r.stub);
          if (list.error.length > 0) out.error = list.error;
          else if (list.werror != 0) out.error = "NetrShareEnum WERROR 0x" + list.werror.toString(16);
          else out.list = list;
        }
      }
    }
  }
  if (out.error.length == 0 && out.list === null) out.error = p.error;
  p.close();
  return out;
}

// The first CredSSP round (MS-CSSP 2.2.1, 3.1.5) inside the TLS of a
// connection that selected HYBRID: a TSRequest carrying an NTLM NEGOTIATE,
// answered by a TSRequest carrying the server's CHALLENGE, whose target info
// names the host (NetBIOS and DNS names, OS version). No AUTHENTICATE follows:
// no credentials are ever sent.
import {
  BER_NEED_MORE, MapWriter, NTLMSSP_MAX_MESSAGE, Socket, berFrameLength, berInt, berOctets, berSeq, berTlv, concatBytes, deadlineIn,
  errorName, findNtlmssp, NtlmChallenge, ntlmNegotiate, parseNtlmChallenge,
} from "@wasmap/sdk-assemblyscript";
import { waitMs } from "./wait";

/** TSRequest version sent: 6 is the current one; a server answers with its own, at most this. */
const TS_REQUEST_VERSION: i64 = 6;

/** TSRequest { version [0] 6, negoTokens [1] SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING (NTLM NEGOTIATE) } }. */
export function tsRequestNegotiate(): Uint8Array {
  const token = berSeq([berTlv(0xa0, berOctets(ntlmNegotiate()))]);
  return berSeq([berTlv(0xa0, berInt(TS_REQUEST_VERSION)), berTlv(0xa1, berSeq([token]))]);
}

/** What the CHALLENGE said, as `ntlm_info`; `error` when the round failed. */
export class NtlmInfo {
  error: string = "";
  map: MapWriter | null = null;
  summary: string = "";
}

function put(m: MapWriter, key: string, v: string): void {
  if (v.length > 0) m.str(key, v);
}

/** Runs the round on `sock` (already TLS) and reads the CHALLENGE's names. */
export function ntlmChallengeInfo(sock: Socket, timeout: i32): NtlmInfo {
  const out = new NtlmInfo();
  if (sock.send(tsRequestNegotiate()) < 0) { out.error = "sending the CredSSP TSRequest: " + errorName(sock.error); return out; }
  const deadline = deadlineIn(timeout);
  let buf = new Uint8Array(0);
  let need = BER_NEED_MORE;
  while (need == BER_NEED_MORE || buf.length < need) {
    const got = sock.recv(4096, waitMs(deadline));
    if (got === null || got.length == 0) {
      out.error = (got === null ? errorName(sock.error) : "connection closed") + " reading the CredSSP TSRequest";
      return out;
    }
    buf = concatBytes(buf, got);
    need = berFrameLength(buf, NTLMSSP_MAX_MESSAGE);
    if (need < 0 && need != BER_NEED_MORE) { out.error = "the server's TSRequest is not a BER frame of at most 65536 bytes"; return out; }
  }
  const frame = buf.subarray(0, need);
  const at = findNtlmssp(frame);
  const parsed: NtlmChallenge | null = at < 0 ? null : parseNtlmChallenge(frame.subarray(at));
  if (parsed === null) { out.error = "no NTLM CHALLENGE in the server's TSRequest"; return out; }
  const c = parsed!;
  const m = new MapWriter();
  put(m, "target_name", c.targetName);
  put(m, "netbios_computer_name", c.nbComputerName);
  put(m, "netbios_domain_name", c.nbDomainName);
  put(m, "dns_computer_name", c.dnsComputerName);
  put(m, "dns_domain_name", c.dnsDomainName);
  put(m, "dns_tree_name", c.dnsTreeName);
  put(m, "product_version", c.version);
  if (c.timestampMs >= 0) m.int("timestamp_ms", c.timestampMs);
  out.map = m;
  const name = c.dnsComputerName.length > 0 ? c.dnsComputerName : c.nbComputerName.length > 0 ? c.nbComputerName : c.targetName;
  if (name.length > 0) out.summary = "NTLM " + name + (c.version.length > 0 ? " (" + c.version + ")" : "");
  return out;
}

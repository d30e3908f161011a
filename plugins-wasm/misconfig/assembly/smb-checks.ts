// Checks on the smb plugin's results (plugins-wasm/smb/README.md): SMB1 still
// spoken, signing not required, shares a null session can list. The
// evidence names the result (plugin, port) and the field=value that proves it.
import { Finding, SEVERITY_MEDIUM } from "@wasmap/sdk-assemblyscript";
import { Result, show } from "./results";

function finding(id: string, title: string, severity: string, r: Result, proof: string): Finding {
  const f = new Finding(id, title, severity).at(r.port, r.transport); // A8: listed under the port it is about
  f.evidence = r.where() + proof;
  return f;
}

/** The server chose NT LM 0.12 from a NEGOTIATE offering SMB1 dialects only: SMB1 (EternalBlue's protocol, no pre-auth integrity) is on. */
export function smb1Enabled(r: Result): Finding | null {
  if (!r.isTrue("smb1_enabled")) return null;
  return finding("smb1-enabled", "SMB1 protocol enabled", SEVERITY_MEDIUM, r, "smb1_enabled=true, smb1_dialect=" + r.str("smb1_dialect"));
}

/**
 * The NEGOTIATE response's SecurityMode lacks SIGNING_REQUIRED: a client's
 * authentication can be relayed to this server (NTLM relay) and its traffic
 * altered in transit. Medium, as Nessus (57608) and most scanners rate it:
 * it is the precondition for relay attacks, not a compromise by itself, and
 * it is the default of Windows clients and member servers and of Samba.
 */
export function smbSigningNotRequired(r: Result): Finding | null {
  const v = r.at("signing_required");
  if (v === null || v.asBool(true)) return null; // absent, not a bool, or true
  let proof = "signing_required=false, signing_enabled=" + show(r.at("signing_enabled"));
  if (r.at("dialect") !== null) proof += ", dialect=" + r.str("dialect");
  return finding("smb-signing-not-required", "SMB signing not required", SEVERITY_MEDIUM, r, proof);
}

/** A null session (no user, no password) listed shares through srvsvc, at least one of them not a special ($) share. */
export function smbAnonymousShares(r: Result): Finding | null {
  if (!r.isTrue("anonymous_session")) return null;
  const shares = r.at("shares");
  if (shares === null || !shares.isArray) return null;
  const list = shares.asArray();
  const names = new Array<string>(0);
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (s.isMap && !s.getBool("special", false)) names.push(s.getString("name"));
  }
  if (names.length == 0) return null;
  return finding("smb-anonymous-shares", "SMB shares listable anonymously (null session)", SEVERITY_MEDIUM, r,
    "anonymous_session=true, shares=" + list.length.toString() + ", shares[].name=" + names.join(","));
}

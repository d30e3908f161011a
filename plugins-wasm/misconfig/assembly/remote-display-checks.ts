// Checks on the remote-display plugins' results (vnc, x11): a screen anyone
// who reaches the port can read, and type into. Same shape as
// service-checks.ts: one result in, a finding or null out, the evidence
// naming the result and the field=value that proves it.
import { Finding, SEVERITY_HIGH } from "@wasmap/sdk-assemblyscript";
import { Result, show } from "./results";

function finding(id: string, title: string, r: Result, proof: string): Finding {
  const f = new Finding(id, title, SEVERITY_HIGH).at(r.port, r.transport); // A8: listed under the port it is about
  f.evidence = r.where() + proof;
  return f;
}

/** ", name=value" for a string field the plugin sent, nothing otherwise. */
function also(r: Result, path: string): string {
  const v = r.at(path);
  return v !== null && v.isString && v.asString().length > 0 ? ", " + path + "=" + show(v) : "";
}

/**
 * vnc: the server offered security type None (auth_required=false, said only
 * when the server's list or choice holds None) and did not refuse the client
 * (no failure_reason).
 */
export function vncNoAuth(r: Result): Finding | null {
  const a = r.at("auth_required");
  if (a === null || a.asBool(true)) return null;
  if (r.at("failure_reason") !== null) return null;
  return finding("vnc-no-auth", "VNC server accepts connections without authentication", r,
    "auth_required=false, security_types[].name=None" + also(r, "desktop_name"));
}

/** x11: the connection setup was accepted with no authorization (status=success, auth_required=false). */
export function x11OpenAccess(r: Result): Finding | null {
  if (r.str("status") != "success") return null;
  const a = r.at("auth_required");
  if (a === null || a.asBool(true)) return null;
  return finding("x11-open-access", "X server accepts connections without authentication", r,
    "status=success, auth_required=false" + also(r, "vendor") + also(r, "version"));
}

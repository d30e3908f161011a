// kubernetes: a wasmap scanner plugin for the Kubernetes API server and the
// kubelet, written from the Kubernetes API documentation (no cluster could
// be run where it was written: see README.md). Without any credentials it
// asks GET /version (an API server answers version.Info to anonymous
// clients by default), then lists pods: GET /api/v1/pods?limit=N on an API
// server, GET /pods on a kubelet (10250/10255). 401 or 403 means
// authentication is required. Nothing is ever created or changed.
import {
  Header, HttpGetOptions, HttpGetResult, Input, MapWriter, Output, STATUS_SUCCESS, Service, Value,
  httpGet, parseJsonBytes, register,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { PodListing, VersionInfo, readPodList, readVersion, statusMessage } from "./k8s";

/** Ports that speak TLS by default: kube-apiserver (6443, 8443) and the kubelet API (10250). */
const TLS_PORTS: StaticArray<i32> = [6443, 8443, 10250];
/** The kubelet's ports: its API (10250) and its read-only port (10255). */
const KUBELET_PORTS: StaticArray<i32> = [10250, 10255];
/** What Go's net/http answers a plain request on a TLS port (with status 400). */
const HTTPS_REFUSAL = "Client sent an HTTP request to an HTTPS server";
/** Go's http.NotFound body, which the kubelet sends for a path it does not serve. */
const GO_NOT_FOUND = "404 page not found";

function has(list: StaticArray<i32>, port: i32): bool {
  for (let i = 0; i < list.length; i++) if (list[i] == port) return true;
  return false;
}

/** GET with the options, over TLS again when a plain request hit an HTTPS port. */
function get(input: Input, path: string, o: HttpGetOptions): HttpGetResult {
  const x = httpGet(input.target!, path, o);
  const r = x.response;
  if (o.tls || r === null || r.statusCode != 400 || !x.bodyText().includes(HTTPS_REFUSAL)) return x;
  o.tls = true; // and for every later request
  return httpGet(input.target!, path, o);
}

/** The body as JSON whatever the status (error answers carry a Status object), or null. */
function json(x: HttpGetResult): Value | null {
  const r = x.response;
  return r === null ? null : parseJsonBytes(r.body);
}

function code(x: HttpGetResult): i32 {
  const r = x.response;
  return r === null ? 0 : r.statusCode;
}

/** "403 Forbidden", or the transport error. */
function outcome(path: string, x: HttpGetResult): string {
  const r = x.response;
  if (r === null) return "GET " + path + ": " + x.error;
  return "GET " + path + ": " + r.statusCode.toString() + (r.statusMessage.length > 0 ? " " + r.statusMessage : "");
}

function service(role: string, v: VersionInfo | null): Service {
  const s = Service.of("kubernetes", role == "kubelet" ? "Kubernetes kubelet" : "Kubernetes", v === null ? "" : v.version, 1.0);
  if (role.length > 0) s.extrainfo = role == "kubelet" ? "kubelet" : "API server";
  s.addVersionCpe("kubernetes", "kubernetes");
  return s;
}

function count(n: i64, more: bool): string {
  return n.toString() + (more ? "+" : "") + " pod" + (n == 1 && !more ? "" : "s");
}

function run(input: Input): Output {
  const t = input.target!;
  const c = input.config;
  const o = new HttpGetOptions();
  o.timeoutMs = <i32>c.getInt("timeout_ms", 5000);
  o.maxBody = <i32>c.getInt("max_body", 1048576);
  o.tls = c.getBool("tls", false) || t.tls || has(TLS_PORTS, t.port);
  o.headers.push(new Header("Accept", "application/json"));
  const maxPods = <i32>c.getInt("max_pods", 10);

  const vx = get(input, "/version", o);
  if (vx.response === null) return Output.fail(vx.status, vx.error);
  const vcode = code(vx);
  const vjson = json(vx);
  const version = vcode == 200 ? readVersion(vjson) : null;
  const vstatus = statusMessage(vjson);

  const data = new MapWriter();
  let role = "";
  let podsPath = "";
  let authRequired = false;
  let note = "";
  if (version !== null) {
    role = "apiserver";
    data.map("version", version.toMap());
    // limit=1 when only counting: remainingItemCount still gives the total
    podsPath = "/api/v1/pods?limit=" + max(1, maxPods).toString();
  } else {
    data.int("version_status", vcode);
    if (vstatus !== null) { role = "apiserver"; data.str("status_message", vstatus); }
    if (vcode == 401 || vcode == 403) { authRequired = true; note = outcome("/version", vx); }
    // the kubelet serves no /version (Go's "404 page not found"): its pod list is /pods
    const goNotFound = vcode == 404 && vx.bodyText().startsWith(GO_NOT_FOUND);
    if (vstatus === null && (has(KUBELET_PORTS, t.port) || goNotFound)) podsPath = "/pods";
  }

  let pods: PodListing | null = null;
  if (podsPath.length > 0) {
    const px = get(input, podsPath, o);
    const pjson = code(px) == 200 ? json(px) : null;
    pods = readPodList(pjson, maxPods);
    if (pods !== null) {
      if (role.length == 0) role = "kubelet";
      authRequired = false;
      note = "";
    } else {
      const pcode = code(px);
      const why = outcome(podsPath, px);
      data.str("pods_error", why);
      if (pcode == 401 || pcode == 403) authRequired = true;
      const msg = statusMessage(json(px));
      if (msg !== null) { if (role.length == 0) role = "apiserver"; data.str("status_message", msg); }
      note = why;
    }
  }

  const out = new Output();
  out.status = STATUS_SUCCESS;
  if (o.tls) data.bool("tls", true);
  if (role.length == 0) {
    // another HTTP server: say so, claim nothing
    const r = vx.response!;
    data.bool("kubernetes", false);
    const server = r.header("server");
    if (server.length > 0) data.str("server", server);
    return out.setData(data);
  }
  data.bool("kubernetes", true).str("role", role).bool("auth_required", authRequired).bool("pods_listable", pods !== null);
  if (podsPath.length > 0) data.str("pods_path", podsPath);
  let line = role == "kubelet" ? "kubelet" : "Kubernetes" + (version !== null ? " " + version.gitVersion : "") + " API server";
  if (version !== null && version.platform.length > 0) line += " (" + version.platform + ")";
  if (pods !== null) {
    const p = pods!;
    data.map("pods", new MapWriter().int("count", p.total).bool("more", p.more).int("listed", p.listed).array("list", p.list)
      .strArray("namespaces", p.namespaces));
    line += ", pods listable without authentication: " + count(p.total, p.more);
    if (p.namespaces.length > 0) line += " in " + p.namespaces.join(", ");
  } else if (note.length > 0) {
    line += ", " + note;
  }
  out.summary = line;
  out.service = service(role, version);
  return out.setData(data);
}

register(run);

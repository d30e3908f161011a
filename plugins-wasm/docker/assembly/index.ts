// docker: a wasmap scanner plugin for the Docker Engine API (Docker, and
// Podman's compatible API) over HTTP, as BinaryEdge's container module
// reads it. Three GETs, each on its own connection and without any
// credentials: /version (is this the Engine API, which engine and API
// version), then /info (counts, storage driver, host OS, security options)
// and /containers/json?all=1&limit=N (the first containers). Nothing is
// ever created, started or changed.
import {
  ArrayWriter, HttpGetOptions, HttpGetResult, Input, MapWriter, Output, STATUS_SUCCESS, Service, Value,
  httpGet, jsonError, parseJsonBytes, register,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { EngineVersion, count, readContainer, readInfo, readVersion } from "./engine";

/** The port Docker's TLS API listens on by convention (dockerd --tlsverify -H :2376). */
const TLS_PORT = 2376;

/** "403 Forbidden", or the transport error, for a GET that gave no usable JSON. */
function failure(path: string, x: HttpGetResult): string {
  const r = x.response;
  if (r !== null && r.statusCode != 200) return "GET " + path + ": " + r.statusCode.toString() + (r.statusMessage.length > 0 ? " " + r.statusMessage : "");
  if (!x.ok) return "GET " + path + ": " + x.error;
  return "GET " + path + ": not JSON (" + jsonError() + ")";
}

/** The body of a 200 answer as JSON, or null. */
function json200(x: HttpGetResult): Value | null {
  const r = x.response;
  if (!x.ok || r === null || r.statusCode != 200) return null;
  return parseJsonBytes(r.body);
}

function service(e: EngineVersion): Service {
  const s = Service.of("docker", e.product, e.version, 1.0);
  s.extrainfo = "API " + e.apiVersion;
  if (e.product == "Podman Engine") s.addVersionCpe("podman_project", "podman");
  else s.addVersionCpe("docker", "docker");
  return s;
}

function run(input: Input): Output {
  const t = input.target!;
  const c = input.config;
  const o = new HttpGetOptions();
  o.timeoutMs = <i32>c.getInt("timeout_ms", 5000);
  o.maxBody = <i32>c.getInt("max_body", 262144);
  o.tls = c.getBool("tls", false) || t.tls || t.port == TLS_PORT;
  const maxContainers = <i32>c.getInt("max_containers", 10);

  const vx = httpGet(t, "/version", o);
  const vr = vx.response;
  if (vr === null) return Output.fail(vx.status, vx.error);
  const data = new MapWriter();
  if (o.tls) data.bool("tls", true);
  const e = readVersion(json200(vx));
  if (e === null) {
    // another HTTP server (or the API behind an authenticating proxy): say so, claim nothing
    data.bool("docker", false).int("http_status", vr.statusCode).str("error", failure("/version", vx));
    const server = vr.header("server");
    if (server.length > 0) data.str("server", server);
    if (vr.statusCode == 401 || vr.statusCode == 403) data.bool("auth_required", true);
    const out = new Output();
    out.status = STATUS_SUCCESS;
    return out.setData(data);
  }
  data.bool("docker", true).str("product", e.product).map("version", e.toMap());

  let infoRead = false;
  let containers: i64 = -1;
  let images: i64 = -1;
  let note = "";
  const ix = httpGet(t, "/info", o);
  const iv = json200(ix);
  if (iv !== null && iv.isMap) {
    const info = readInfo(iv);
    data.map("info", info.fields);
    infoRead = true;
    containers = info.containers;
    images = info.images;
  } else {
    note = failure("/info", ix);
    data.str("info_error", note);
  }

  let listed = false;
  if (maxContainers > 0) {
    const path = "/containers/json?all=1&limit=" + maxContainers.toString();
    const cx = httpGet(t, path, o);
    const cv = json200(cx);
    if (cv !== null && cv.isArray) {
      const list = cv.asArray();
      const a = new ArrayWriter();
      for (let i = 0; i < list.length && i < maxContainers; i++) if (list[i].isMap) a.map(readContainer(list[i]));
      // the total is /info's; without it, what the listing (capped at limit) holds
      const total = containers >= 0 ? containers : <i64>list.length;
      data.map("containers", new MapWriter().int("count", total).int("listed", min(list.length, maxContainers)).array("list", a));
      if (containers < 0) containers = list.length;
      listed = true;
    } else {
      const why = failure("/containers/json", cx);
      data.str("containers_error", why);
      if (note.length == 0) note = why;
    }
  }

  const open = infoRead || listed;
  data.bool("auth_required", !open);
  const out = new Output();
  out.status = STATUS_SUCCESS;
  out.service = service(e);
  let line = "Docker API " + e.apiVersion + " (" + e.product + " " + e.version + ")";
  if (open) {
    line += ", unauthenticated";
    const counts = new Array<string>(0);
    if (containers >= 0) counts.push(count(containers, "container"));
    if (images >= 0) counts.push(count(images, "image"));
    if (counts.length > 0) line += ": " + counts.join(", ");
  } else if (note.length > 0) {
    line += ", " + note;
  }
  out.summary = line;
  return out.setData(data);
}

register(run);

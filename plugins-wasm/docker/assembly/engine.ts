// The Docker Engine API's answers (docs.docker.com/engine/api, v1.41+; Podman's
// compat API gives the same shape), read from parsed JSON into the fields
// the plugin reports. Pure functions over `Value`: a missing or mistyped
// field gives "" / -1 / nothing, never a trap.
import { ArrayWriter, MapWriter, Value } from "@wasmap/sdk-assemblyscript";

/** Security options, components and container names kept (each list). */
export const MAX_LIST = 32;
/** Characters of a container id kept (as `docker ps` shows it). */
export const ID_PREFIX = 12;

/** What GET /version says. */
export class EngineVersion {
  version: string = "";
  apiVersion: string = "";
  minApiVersion: string = "";
  os: string = "";
  arch: string = "";
  kernelVersion: string = "";
  goVersion: string = "";
  gitCommit: string = "";
  buildTime: string = "";
  /** Platform.Name: "Docker Engine - Community" on Docker; Podman names its distribution. */
  platform: string = "";
  componentNames: Array<string> = new Array<string>(0);
  componentVersions: Array<string> = new Array<string>(0);

  /** "Podman Engine" when a component says so, else "Docker Engine" (Docker's first component is "Engine"). */
  get product(): string {
    for (let i = 0; i < this.componentNames.length; i++) if (this.componentNames[i].includes("Podman")) return "Podman Engine";
    return "Docker Engine";
  }

  toMap(): MapWriter {
    const comps = new ArrayWriter();
    for (let i = 0; i < this.componentNames.length; i++) comps.map(new MapWriter().str("name", this.componentNames[i]).str("version", this.componentVersions[i]));
    return new MapWriter()
      .str("version", this.version).str("api_version", this.apiVersion).str("min_api_version", this.minApiVersion)
      .str("os", this.os).str("arch", this.arch).str("kernel_version", this.kernelVersion)
      .str("go_version", this.goVersion).str("git_commit", this.gitCommit).str("build_time", this.buildTime)
      .str("platform", this.platform).array("components", comps);
  }
}

/** A /version answer is the Engine API's when it is an object with string ApiVersion and Version; null otherwise. */
export function readVersion(v: Value | null): EngineVersion | null {
  if (v === null || !v.isMap) return null;
  const api = v.get("ApiVersion");
  const ver = v.get("Version");
  if (api === null || !api.isString || api.s.length == 0 || ver === null || !ver.isString) return null;
  const e = new EngineVersion();
  e.version = ver.s;
  e.apiVersion = api.s;
  e.minApiVersion = v.getString("MinAPIVersion");
  e.os = v.getString("Os");
  e.arch = v.getString("Arch");
  e.kernelVersion = v.getString("KernelVersion");
  e.goVersion = v.getString("GoVersion");
  e.gitCommit = v.getString("GitCommit");
  e.buildTime = v.getString("BuildTime");
  const p = v.get("Platform");
  if (p !== null && p.isMap) e.platform = p.getString("Name");
  const comps = v.getArray("Components");
  for (let i = 0; i < comps.length && i < MAX_LIST; i++) {
    if (!comps[i].isMap) continue;
    // some versions put a newline-separated commit/spec block in Version (crun): keep its first line
    const cv = comps[i].getString("Version");
    const nl = cv.indexOf("\n");
    e.componentNames.push(comps[i].getString("Name"));
    e.componentVersions.push(nl < 0 ? cv : cv.substring(0, nl));
  }
  return e;
}

/** What GET /info says; -1 for a count it did not give. */
export class EngineInfo {
  containers: i64 = -1;
  images: i64 = -1;
  fields: MapWriter = new MapWriter();
}

function copyStr(m: MapWriter, v: Value, from: string, to: string): void {
  const x = v.get(from);
  if (x !== null && x.isString) m.str(to, x.s);
}

function copyInt(m: MapWriter, v: Value, from: string, to: string): void {
  const x = v.get(from);
  if (x !== null && x.isNumber) m.int(to, x.asInt());
}

/** The /info fields a scan cares about: counts, storage driver, host OS and name, security options, swarm state. */
export function readInfo(v: Value): EngineInfo {
  const out = new EngineInfo();
  const m = out.fields;
  copyStr(m, v, "ID", "id");
  copyStr(m, v, "Name", "name");
  copyInt(m, v, "Containers", "containers");
  copyInt(m, v, "ContainersRunning", "containers_running");
  copyInt(m, v, "ContainersPaused", "containers_paused");
  copyInt(m, v, "ContainersStopped", "containers_stopped");
  copyInt(m, v, "Images", "images");
  copyStr(m, v, "Driver", "driver");
  copyStr(m, v, "OperatingSystem", "operating_system");
  copyStr(m, v, "OSVersion", "os_version");
  copyStr(m, v, "OSType", "os_type");
  copyStr(m, v, "Architecture", "architecture");
  copyStr(m, v, "KernelVersion", "kernel_version");
  copyStr(m, v, "ServerVersion", "server_version");
  copyStr(m, v, "DockerRootDir", "docker_root_dir");
  copyStr(m, v, "CgroupDriver", "cgroup_driver");
  copyInt(m, v, "NCPU", "ncpu");
  copyInt(m, v, "MemTotal", "mem_total");
  const so = v.getArray("SecurityOptions");
  const opts = new Array<string>(0);
  for (let i = 0; i < so.length && i < MAX_LIST; i++) if (so[i].isString) opts.push(so[i].s);
  m.strArray("security_options", opts);
  const sw = v.get("Swarm");
  if (sw !== null && sw.isMap) {
    const state = sw.getString("LocalNodeState");
    if (state.length > 0) m.str("swarm", state);
  }
  out.containers = v.getInt("Containers", -1);
  out.images = v.getInt("Images", -1);
  return out;
}

/** One /containers/json entry: id prefix, image, names (without the leading "/"), state, status, command. */
export function readContainer(c: Value): MapWriter {
  const id = c.getString("Id");
  const names = new Array<string>(0);
  const ns = c.getArray("Names");
  for (let i = 0; i < ns.length && i < MAX_LIST; i++) {
    if (!ns[i].isString) continue;
    names.push(ns[i].s.startsWith("/") ? ns[i].s.substring(1) : ns[i].s);
  }
  const m = new MapWriter()
    .str("id", id.length > ID_PREFIX ? id.substring(0, ID_PREFIX) : id)
    .str("image", c.getString("Image"))
    .strArray("names", names)
    .str("state", c.getString("State"))
    .str("status", c.getString("Status"))
    .str("command", c.getString("Command"));
  const created = c.get("Created");
  if (created !== null && created.isNumber) m.int("created", created.asInt());
  return m;
}

/** "1 container" / "3 images". */
export function count(n: i64, what: string): string {
  return n.toString() + " " + what + (n == 1 ? "" : "s");
}

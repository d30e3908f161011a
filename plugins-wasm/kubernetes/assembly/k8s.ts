// Kubernetes API objects as the plugin reads them, from the API reference
// (kubernetes.io/docs/reference/generated/kubernetes-api/): the version.Info
// of GET /version, a v1 PodList (GET /api/v1/pods, the kubelet's GET /pods)
// and the meta/v1 Status an API server sends with an error. Pure functions
// over parsed JSON; a missing or mistyped field gives "" / -1, never a trap.
import { ArrayWriter, MapWriter, Value } from "@wasmap/sdk-assemblyscript";

/** Container images and distinct namespaces kept per listing. */
export const MAX_LIST = 32;

/** version.Info: {major, minor, gitVersion, gitCommit, gitTreeState, buildDate, goVersion, compiler, platform}. */
export class VersionInfo {
  gitVersion: string = "";
  major: string = "";
  minor: string = "";
  platform: string = "";
  goVersion: string = "";
  buildDate: string = "";
  gitCommit: string = "";

  /** gitVersion without its leading "v" ("1.28.2", "1.27.4+k3s1"). */
  get version(): string { return this.gitVersion.startsWith("v") ? this.gitVersion.substring(1) : this.gitVersion; }

  toMap(): MapWriter {
    return new MapWriter().str("git_version", this.gitVersion).str("major", this.major).str("minor", this.minor)
      .str("platform", this.platform).str("go_version", this.goVersion).str("build_date", this.buildDate).str("git_commit", this.gitCommit);
  }
}

/** A /version answer is Kubernetes' when it is an object with a string gitVersion (etcd's and Docker's have none). */
export function readVersion(v: Value | null): VersionInfo | null {
  if (v === null || !v.isMap) return null;
  const g = v.get("gitVersion");
  if (g === null || !g.isString || g.s.length == 0) return null;
  const out = new VersionInfo();
  out.gitVersion = g.s;
  out.major = v.getString("major");
  out.minor = v.getString("minor");
  out.platform = v.getString("platform");
  out.goVersion = v.getString("goVersion");
  out.buildDate = v.getString("buildDate");
  out.gitCommit = v.getString("gitCommit");
  return out;
}

/** A meta/v1 Status (`kind: "Status"`): its message ("pods is forbidden: User \"system:anonymous\" …"), or null. */
export function statusMessage(v: Value | null): string | null {
  if (v === null || !v.isMap || v.getString("kind") != "Status") return null;
  return v.getString("message");
}

/** What a PodList gave: the total (items + metadata.remainingItemCount), the first pods, their namespaces. */
export class PodListing {
  total: i64 = 0;
  /** True when the server said there are more (metadata.continue) without saying how many. */
  more: bool = false;
  list: ArrayWriter = new ArrayWriter();
  listed: i32 = 0;
  namespaces: Array<string> = new Array<string>(0);
}

/** A v1 PodList (`kind: "PodList"`, or an object with an `items` array), or null. */
export function readPodList(v: Value | null, maxPods: i32): PodListing | null {
  if (v === null || !v.isMap) return null;
  const items = v.get("items");
  const kind = v.getString("kind");
  if (kind != "PodList" && (items === null || !items.isArray)) return null;
  const pods = v.getArray("items");
  const out = new PodListing();
  out.total = pods.length;
  const meta = v.get("metadata");
  if (meta !== null && meta.isMap) {
    const remaining = meta.getInt("remainingItemCount", -1);
    if (remaining > 0) out.total += remaining;
    else if (meta.getString("continue").length > 0) out.more = true;
  }
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i];
    if (!p.isMap) continue;
    const m = p.get("metadata");
    const ns = m !== null && m.isMap ? m.getString("namespace") : "";
    if (ns.length > 0 && !out.namespaces.includes(ns) && out.namespaces.length < MAX_LIST) out.namespaces.push(ns);
    if (out.listed >= maxPods) continue;
    out.list.map(readPod(p));
    out.listed++;
  }
  return out;
}

/** namespace, name, node, phase, pod IP and the container images of one Pod. */
function readPod(p: Value): MapWriter {
  const m = p.get("metadata");
  const spec = p.get("spec");
  const status = p.get("status");
  const images = new Array<string>(0);
  if (spec !== null && spec.isMap) {
    const cs = spec.getArray("containers");
    for (let i = 0; i < cs.length && images.length < MAX_LIST; i++) if (cs[i].isMap) images.push(cs[i].getString("image"));
  }
  return new MapWriter()
    .str("namespace", m !== null && m.isMap ? m.getString("namespace") : "")
    .str("name", m !== null && m.isMap ? m.getString("name") : "")
    .str("node", spec !== null && spec.isMap ? spec.getString("nodeName") : "")
    .str("phase", status !== null && status.isMap ? status.getString("phase") : "")
    .str("pod_ip", status !== null && status.isMap ? status.getString("podIP") : "")
    .strArray("images", images);
}

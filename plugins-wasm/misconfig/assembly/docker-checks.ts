// Checks on the docker plugin's results (plugins-wasm/docker): the Docker
// Engine API answered /info or listed containers with no credentials.
// Whoever reaches such an API can start a privileged container that mounts
// the host's root: it is root on the host, hence critical.
import { Finding, SEVERITY_CRITICAL } from "@wasmap/sdk-assemblyscript";
import { Result, show } from "./results";

/** docker: `docker=true` and `auth_required=false` (the plugin read /info or /containers/json). */
export function dockerApiUnauthenticated(r: Result): Finding | null {
  if (!r.isTrue("docker")) return null;
  const auth = r.at("auth_required");
  if (auth === null || auth.asBool(true)) return null;
  let proof = "docker=true, auth_required=false, version.api_version=" + show(r.at("version.api_version"));
  const product = r.at("product");
  if (product !== null) proof += ", product=" + show(product);
  const info = r.at("info.containers");
  if (info !== null) proof += ", info.containers=" + show(info);
  const listed = r.at("containers.count");
  if (listed !== null) proof += ", containers.count=" + show(listed);
  const f = new Finding("docker-api-unauthenticated", "Docker Engine API reachable without authentication", SEVERITY_CRITICAL).at(r.port, r.transport);
  f.evidence = r.where() + proof;
  return f;
}

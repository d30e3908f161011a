import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module with JSDoc types
import { ensureCertificate } from '../../../test/support/services.mjs';
import { closedPort } from '../../../test/support/listeners.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';

interface Running { host: string; port: number; extra?: { container?: string } }
interface Container { id: string; image: string; names: string[]; state: string; status: string; command: string; created?: number }
interface DockerData {
  docker: boolean; product?: string; auth_required?: boolean; http_status?: number; server?: string; error?: string;
  version?: { version: string; api_version: string; min_api_version: string; os: string; arch: string; kernel_version: string; go_version: string; components: { name: string; version: string }[] };
  info?: Record<string, unknown>;
  containers?: { count: number; listed: number; list: Container[] };
  info_error?: string; containers_error?: string;
}
type Json = Record<string, unknown>;

/** What the server itself answers, read with Node's own HTTP client: the reference the plugin is compared with. */
async function direct(port: number, path: string): Promise<Json & Json[]> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Json & Json[];
}

/**
 * A loopback relay to the real API that forwards GET /version and answers
 * every other path 403, as dockerd does with an authorization plugin that
 * denies them: the API is recognised but nothing else is readable.
 */
function denyingRelay(upstream: number): Promise<Server> {
  const srv = createServer((req, res) => {
    if (req.url !== '/version') {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end('{"message":"authorization denied by plugin wasmap-test"}');
      return;
    }
    const up = request({ host: '127.0.0.1', port: upstream, path: '/version', agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end();
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

/** TLS in front of the real API, as `dockerd --tls` (without --tlsverify) serves it on 2376; podman's service has no TLS of its own. */
function tlsRelay(upstream: number): Promise<Server> {
  const { cert, key } = ensureCertificate() as { cert: string; key: string };
  const srv = createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (s) => {
    const up = connect(upstream, '127.0.0.1');
    s.pipe(up).pipe(s);
    up.on('error', () => s.destroy());
    s.on('error', () => up.destroy());
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv as unknown as Server)));
}

/** Podman's /version and /info run conmon and the OCI runtime: seconds each on a loaded machine. */
const PODMAN_TIMEOUT = { timeout_ms: 10_000 };

describe('the docker scanner plugin, on a real Podman Engine API (podman system service)', () => {
  const under = usePlugin('docker', { services: ['docker', 'http'], privateServices: true, config: PODMAN_TIMEOUT });
  let relay: Server;
  let tls: Server;

  beforeAll(async () => {
    relay = await denyingRelay(under.service<Running>('docker').port);
    tls = await tlsRelay(under.service<Running>('docker').port);
  });
  afterAll(async () => {
    await new Promise((r) => relay?.close(r));
    await new Promise((r) => tls?.close(r));
  });

  it('is an active scanner for ports 2375/2376 and for services named docker or http', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'docker', kind: 'scanner', capabilities: ['network'],
      match: { ports: [2375, 2376], services: ['docker', 'http'], transport: 'tcp' },
    });
  });

  it('reads /version, /info and the container list as the API itself returns them, with no credentials', async () => {
    const { port } = under.service<Running>('docker');
    const r = await under.scan(port);
    const [version, info, list] = await Promise.all([direct(port, '/version'), direct(port, '/info'), direct(port, '/containers/json?all=1')]);
    expect(r.status).toBe('success');
    const d = r.data as DockerData;
    const components = version.Components as { Name: string; Version: string }[];
    expect(components[0]!.Name).toBe('Podman Engine');
    expect(d).toMatchObject({
      docker: true, product: 'Podman Engine', auth_required: false,
      version: {
        version: version.Version, api_version: version.ApiVersion, min_api_version: version.MinAPIVersion, os: version.Os,
        arch: version.Arch, kernel_version: version.KernelVersion, go_version: version.GoVersion,
      },
      info: {
        name: info.Name, containers: info.Containers, images: info.Images, driver: 'vfs',
        operating_system: info.OperatingSystem, os_type: info.OSType, architecture: info.Architecture,
        server_version: info.ServerVersion, security_options: info.SecurityOptions, ncpu: info.NCPU, mem_total: info.MemTotal,
      },
    });
    // podman makes up a new ID for every /info (a UUID); dockerd's is the engine's fixed key id
    expect(d.info!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // components: names as sent, versions cut at the first line (crun's is several)
    expect(d.version!.components).toEqual(components.map((c) => ({ name: c.Name, version: c.Version.split('\n')[0] })));

    // the one container services.mjs created (never started), as the API lists it
    expect(list).toHaveLength(1);
    const c = list[0] as { Id: string; Image: string; Names: string[]; State: string; Status: string; Command: string; Created: number };
    expect(c.Names).toEqual(['/wasmap-test']);
    expect(d.containers).toEqual({
      count: 1, listed: 1,
      list: [{ id: c.Id.slice(0, 12), image: c.Image, names: ['wasmap-test'], state: 'created', status: c.Status, command: c.Command, created: c.Created }],
    });

    expect(r.service).toEqual({
      name: 'docker', product: 'Podman Engine', version: version.Version, confidence: 1, extrainfo: `API ${version.ApiVersion}`,
      cpe: [`cpe:/a:podman_project:podman:${version.Version}`],
    });
    expect(r.summary).toBe(`Docker API ${version.ApiVersion} (Podman Engine ${version.Version}), unauthenticated: 1 container, ${info.Images} images`);
  });

  it('lists no containers with max_containers = 0, and still counts them from /info', async () => {
    const r = await under.scan(under.service<Running>('docker').port, { max_containers: 0 });
    const d = r.data as DockerData;
    expect(d.containers).toBeUndefined();
    expect(d.info).toMatchObject({ containers: 1 });
    expect(r.summary).toMatch(/, unauthenticated: 1 container, \d+ images$/);
  });

  it('says authentication is required when /info and the listing are refused but /version answers', async () => {
    const r = await under.scan((relay.address() as AddressInfo).port);
    expect(r.status).toBe('success');
    const d = r.data as DockerData;
    expect(d).toMatchObject({
      docker: true, auth_required: true,
      info_error: 'GET /info: 403 Forbidden', containers_error: 'GET /containers/json: 403 Forbidden',
    });
    expect(d.info).toBeUndefined();
    expect(d.containers).toBeUndefined();
    expect(r.summary).toBe(`Docker API ${d.version!.api_version} (Podman Engine ${d.version!.version}), GET /info: 403 Forbidden`);
  });

  it('speaks TLS when asked to (as on 2376), here to the same API through a TLS relay', async () => {
    const r = await under.scan((tls.address() as AddressInfo).port, { tls: true, max_containers: 1 });
    expect(r.status).toBe('success');
    const d = r.data as DockerData & { tls?: boolean };
    expect(d).toMatchObject({ tls: true, docker: true, product: 'Podman Engine', auth_required: false, containers: { count: 1, listed: 1 } });
    expect(d.containers!.list[0]!.names).toEqual(['wasmap-test']);
  });

  it('says a web server that is not the Docker API is not one, and claims no service', async () => {
    const r = await under.scan(under.service<Running>('http').port);
    expect(r.status).toBe('success');
    const d = r.data as DockerData;
    expect(d.docker).toBe(false);
    expect(d.http_status).toBe(404);
    expect(d.server).toMatch(/^nginx/);
    expect(d.error).toBe('GET /version: 404 Not Found');
    expect(r.service).toBeUndefined();
    expect(r.summary).toBeUndefined();
  });

  it('reports a closed port as connection-refused', async () => {
    const r = await under.scan(await closedPort());
    expect(r.status).toBe('connection-refused');
  });
});

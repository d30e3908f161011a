// The kubernetes plugin against PROTOCOL FIXTURES, not against Kubernetes:
// no API server or kubelet can run on this machine, so these loopback
// Node servers answer with JSON written from the Kubernetes API reference
// (version.Info, v1 PodList, meta/v1 Status; the messages are the ones
// kube-apiserver's RBAC authorizer and authenticator produce). They test
// the plugin's HTTP, TLS and JSON handling and its decisions, and prove
// nothing about a real cluster's answers.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module with JSDoc types
import { ensureCertificate } from '../../../test/support/services.mjs';
import { closedPort } from '../../../test/support/listeners.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';

/** GET /version as the reference shows version.Info. */
const VERSION = {
  major: '1', minor: '28', gitVersion: 'v1.28.2', gitCommit: '89a4ea3e1e4ddd7f7572286090359983e0387b2f', gitTreeState: 'clean',
  buildDate: '2023-09-13T09:29:07Z', goVersion: 'go1.20.8', compiler: 'gc', platform: 'linux/amd64',
};

const pod = (namespace: string, name: string, image: string, phase = 'Running'): Record<string, unknown> => ({
  metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { nodeName: 'node-1', containers: [{ name: 'main', image }] },
  status: { phase, podIP: '10.244.0.5', hostIP: '192.0.2.10' },
});
const PODS = [
  pod('kube-system', 'coredns-5dd5756b68-7xk2p', 'registry.k8s.io/coredns/coredns:v1.10.1'),
  pod('kube-system', 'etcd-node-1', 'registry.k8s.io/etcd:3.5.9-0'),
  pod('default', 'web-6d4cf56db6-abcde', 'nginx:1.25'),
  pod('default', 'job-x', 'busybox:1.36', 'Succeeded'),
];

/** A v1 PodList page: `limit` items, metadata.continue and remainingItemCount when there are more (the API's chunking). */
function podList(limit?: number): Record<string, unknown> {
  const items = limit === undefined ? PODS : PODS.slice(0, limit);
  const rest = PODS.length - items.length;
  return { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '12345', ...(rest > 0 ? { continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ', remainingItemCount: rest } : {}) }, items };
}

/** A meta/v1 Status for an error answer. */
const status = (code: number, reason: string, message: string): Record<string, unknown> =>
  ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
const FORBIDDEN_PODS = status(403, 'Forbidden', 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope');
const UNAUTHORIZED = status(401, 'Unauthorized', 'Unauthorized');

type Handler = (path: string, query: URLSearchParams) => { code: number; body: unknown; type?: string };

function respond(h: Handler) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const { code, body, type } = h(url.pathname, url.searchParams);
    res.writeHead(code, { 'Content-Type': type ?? 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

/** An API server whose RBAC lets anonymous users list pods (a misconfigured cluster role binding). */
const openApiServer: Handler = (path, q) => {
  if (path === '/version') return { code: 200, body: VERSION };
  if (path === '/api/v1/pods') return { code: 200, body: podList(q.has('limit') ? Number(q.get('limit')) : undefined) };
  return { code: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') };
};
/** The default: /version for everyone (system:public-info-viewer), pods forbidden to system:anonymous. */
const rbacApiServer: Handler = (path) => path === '/version' ? { code: 200, body: VERSION } : { code: 403, body: FORBIDDEN_PODS };
/** --anonymous-auth=false: every path 401. */
const noAnonymousApiServer: Handler = () => ({ code: 401, body: UNAUTHORIZED });
/** A kubelet with --anonymous-auth and AlwaysAllow (or the read-only port): /pods open, Go's 404 elsewhere. */
const openKubelet: Handler = (path) => path === '/pods'
  ? { code: 200, body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: PODS.slice(0, 2) } }
  : { code: 404, body: '404 page not found\n', type: 'text/plain; charset=utf-8' };

/**
 * TLS on a port that answers a plain request as Go's net/http does on an
 * HTTPS port (400 "Client sent an HTTP request to an HTTPS server."): the
 * first byte tells a ClientHello (0x16) from plain text; TLS connections
 * are relayed to a loopback TLS server behind it.
 */
async function goTlsPort(h: Handler, servers: Server[]): Promise<Server> {
  const { cert, key } = ensureCertificate() as { cert: string; key: string };
  const http = createHttpServer(respond(h));
  const tls = createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (s) => http.emit('connection', s));
  servers.push(tls);
  const tlsPort = await listen(tls);
  const front = createNetServer((sock: Socket) => {
    sock.once('data', (first: Buffer) => {
      if (first[0] !== 0x16) { sock.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n'); return; }
      const back = connect(tlsPort, '127.0.0.1', () => back.write(first));
      sock.pipe(back).pipe(sock);
      back.on('error', () => sock.destroy());
      sock.on('error', () => back.destroy());
    });
  });
  servers.push(front);
  return front;
}

const listen = (srv: Server): Promise<number> => new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port)));

interface K8sData {
  kubernetes: boolean; role?: string; tls?: boolean; auth_required?: boolean; pods_listable?: boolean; pods_path?: string;
  version?: Record<string, string>; version_status?: number; status_message?: string; pods_error?: string; server?: string;
  pods?: { count: number; more: boolean; listed: number; namespaces: string[]; list: { namespace: string; name: string; node: string; phase: string; pod_ip: string; images: string[] }[] };
}

describe('the kubernetes scanner plugin, on protocol fixtures written from the API reference (not a Kubernetes)', () => {
  const under = usePlugin('kubernetes', { services: ['http'], privateServices: true });
  const servers: Server[] = [];
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    const plain = { open: openApiServer, noAnon: noAnonymousApiServer, kubelet: openKubelet };
    for (const [name, h] of Object.entries(plain)) {
      const s = createHttpServer(respond(h));
      servers.push(s);
      ports[name] = await listen(s);
    }
    ports.rbac = await listen(await goTlsPort(rbacApiServer, servers));
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  it('is an active scanner for the API server and kubelet ports', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'kubernetes', kind: 'scanner',
      match: { ports: [6443, 8443, 8080, 10250, 10255], services: ['kubernetes', 'kubelet'], transport: 'tcp' },
    });
  });

  it('reads version.Info and counts pods from one page (limit=N plus remainingItemCount) when anonymous users may list them', async () => {
    const r = await under.scan(ports.open!, { max_pods: 2 });
    expect(r.status).toBe('success');
    const d = r.data as K8sData;
    expect(d).toMatchObject({
      kubernetes: true, role: 'apiserver', auth_required: false, pods_listable: true, pods_path: '/api/v1/pods?limit=2',
      version: { git_version: 'v1.28.2', major: '1', minor: '28', platform: 'linux/amd64', go_version: 'go1.20.8', build_date: VERSION.buildDate, git_commit: VERSION.gitCommit },
    });
    expect(d.tls).toBeUndefined();
    expect(d.pods).toEqual({
      count: 4, more: false, listed: 2, namespaces: ['kube-system'],
      list: [
        { namespace: 'kube-system', name: 'coredns-5dd5756b68-7xk2p', node: 'node-1', phase: 'Running', pod_ip: '10.244.0.5', images: ['registry.k8s.io/coredns/coredns:v1.10.1'] },
        { namespace: 'kube-system', name: 'etcd-node-1', node: 'node-1', phase: 'Running', pod_ip: '10.244.0.5', images: ['registry.k8s.io/etcd:3.5.9-0'] },
      ],
    });
    expect(r.service).toEqual({ name: 'kubernetes', product: 'Kubernetes', version: '1.28.2', confidence: 1, extrainfo: 'API server', cpe: ['cpe:/a:kubernetes:kubernetes:1.28.2'] });
    expect(r.summary).toBe('Kubernetes v1.28.2 API server (linux/amd64), pods listable without authentication: 4 pods in kube-system');
  });

  it('retries over TLS when a plain request hits an HTTPS port, and reports pods forbidden to anonymous users', async () => {
    const r = await under.scan(ports.rbac!);
    expect(r.status).toBe('success');
    const d = r.data as K8sData;
    expect(d).toMatchObject({
      kubernetes: true, role: 'apiserver', tls: true, auth_required: true, pods_listable: false,
      pods_error: 'GET /api/v1/pods?limit=10: 403 Forbidden', status_message: FORBIDDEN_PODS.message,
      version: { git_version: 'v1.28.2' },
    });
    expect(d.pods).toBeUndefined();
    expect(r.summary).toBe('Kubernetes v1.28.2 API server (linux/amd64), GET /api/v1/pods?limit=10: 403 Forbidden');
  });

  it('says authentication is required when even /version answers 401 with a Status', async () => {
    const r = await under.scan(ports.noAnon!);
    const d = r.data as K8sData;
    expect(d).toMatchObject({ kubernetes: true, role: 'apiserver', auth_required: true, version_status: 401, status_message: 'Unauthorized' });
    expect(d.pods_path).toBeUndefined();
    expect(r.service).toEqual({ name: 'kubernetes', product: 'Kubernetes', confidence: 1, extrainfo: 'API server' });
    expect(r.summary).toBe('Kubernetes API server, GET /version: 401 Unauthorized');
  });

  it('finds a kubelet (no /version, Go\'s 404) and lists its pods from /pods', async () => {
    const r = await under.scan(ports.kubelet!);
    const d = r.data as K8sData;
    expect(d).toMatchObject({ kubernetes: true, role: 'kubelet', auth_required: false, pods_listable: true, pods_path: '/pods', version_status: 404 });
    expect(d.pods).toMatchObject({ count: 2, more: false, listed: 2, namespaces: ['kube-system'] });
    expect(r.service).toEqual({ name: 'kubernetes', product: 'Kubernetes kubelet', confidence: 1, extrainfo: 'kubelet' });
    expect(r.summary).toBe('kubelet, pods listable without authentication: 2 pods in kube-system');
  });

  it('says a real nginx is not Kubernetes and claims no service', async () => {
    const r = await under.scan(under.service<{ port: number }>('http').port);
    expect(r.status).toBe('success');
    const d = r.data as K8sData;
    expect(d.kubernetes).toBe(false);
    expect(d.version_status).toBe(404);
    expect(d.server).toMatch(/^nginx/);
    expect(r.service).toBeUndefined();
    expect(r.summary).toBeUndefined();
  });

  it('reports a closed port as connection-refused', async () => {
    expect((await under.scan(await closedPort())).status).toBe('connection-refused');
  });
});

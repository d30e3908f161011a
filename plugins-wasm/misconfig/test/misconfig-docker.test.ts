import { describe, expect, it } from 'vitest';
import { usePlugin } from '../../../test/support/plugin-harness.js';

interface Finding { id: string; title: string; severity: string; evidence?: string; port?: number; transport?: string }

/**
 * The docker plugin's real result on Podman's Docker-compatible API
 * (services.mjs `docker`, no authentication), then the evaluator over it as
 * the engine hands it results (one plugin_results item per invocation).
 */
describe('the misconfig evaluator, on the docker plugin\'s result from a real Podman Engine API', () => {
  const misconfig = usePlugin('misconfig', { services: ['docker', 'http'], privateServices: true, also: ['docker'] });

  const evaluate = async (port: number): Promise<{ findings: Finding[]; data: Record<string, unknown> }> => {
    // podman's /version and /info take seconds on a loaded machine
    const scanned = await misconfig.scanWith(misconfig.other('docker'), port, { timeout_ms: 10_000 });
    expect(scanned.status).toBe('success');
    const item = { plugin: 'docker', ip: '127.0.0.1', port, transport: 'tcp', status: scanned.status, data: scanned.data };
    const r = await misconfig.invoke({ context: { asset: { ip: '127.0.0.1' }, open_ports: [], banners: [], service_fingerprints: [], plugin_results: [item] } });
    expect(r.status, r.error).toBe('success');
    return { findings: (r.findings as Finding[] | undefined) ?? [], data: scanned.data as Record<string, unknown> };
  };

  it('reports docker-api-unauthenticated (critical) on the port, with the fields that prove it', async () => {
    const { port } = misconfig.service<{ port: number }>('docker');
    const { findings, data } = await evaluate(port);
    const version = data.version as { api_version: string };
    expect(findings).toEqual([{
      id: 'docker-api-unauthenticated', title: 'Docker Engine API reachable without authentication', severity: 'critical',
      evidence: `plugin docker, port ${port}/tcp: docker=true, auth_required=false, version.api_version=${version.api_version}, product=Podman Engine, info.containers=1, containers.count=1`,
      port, transport: 'tcp',
    }]);
  });

  it('reports nothing for a web server the docker plugin found is not the Docker API', async () => {
    const { port } = misconfig.service<{ port: number }>('http');
    const { findings, data } = await evaluate(port);
    expect(data.docker).toBe(false);
    expect(findings).toEqual([]);
  });
});

/**
 * `udp_scanner`: UDP probes with real protocol payloads (DNS, NTP, SNMP, …).
 * A reply means open, an ICMP port unreachable closed, silence open|filtered.
 */
import type { ModuleDescriptor } from '../../engine/module.js';
import { configured } from './configured.js';
import { TargetSet } from '../../targets/target-set.js';
import { targetSetOfHosts } from './host-batch.js';
import { Permutation, parseSeed } from '../../targets/probe-order.js';
import { UdpScanner, type UdpScanTarget } from '../../net/udp/index.js';
import { portEvent, type PortState } from '../../model/event.js';
import type { DiscoveredHost, OpenPort, ScanPorts, Target } from '../../model/key-contracts.js';
import { drainBatches } from './batches.js';

function* probesOf(targets: TargetSet, ports: readonly number[], seed: bigint): Generator<UdpScanTarget> {
  const perm = new Permutation(targets.size * ports.length, seed);
  for (let i = 0; i < perm.size; i++) {
    const p = perm.at(i);
    const h = targets.hostAt(Math.floor(p / ports.length));
    yield { host: h, port: ports[p % ports.length]! };
  }
}

export const udpScanner: ModuleDescriptor = {
  name: 'udp_scanner',
  description: 'UDP scan with protocol payloads (DNS, NTP, SNMP, NetBIOS, SSDP, memcached, TFTP, RPC)',
  version: '1.0.0',
  kind: 'scanner',
  origin: 'builtin',
  config: {
    concurrency: { type: 'int', default: 256, min: 1, max: 10000, description: 'probes in flight' },
    rate: { type: 'float', default: 0, min: 0, description: 'datagrams per second, 0 = no limit' },
    timeout_ms: { type: 'int', default: 1500, min: 1, max: 600000, description: 'wait for a reply' },
    retries: { type: 'int', default: 1, min: 0, max: 20, description: 'extra datagrams after silence' },
    seed: { type: 'string', description: 'seed of the probe order' },
    states: { type: 'list', items: 'string', default: ['open'], description: 'states reported as events: open, closed, filtered (open|filtered)' },
  },
  requires: ['targets', 'scan_ports'],
  uses: ['discovered_hosts'],
  provides: ['port_results', 'open_ports'],
  create: configured(async (io, cfg) => {
    const [plain] = await io.all<Target>('targets');
    const [ports] = await io.all<ScanPorts>('scan_ports');
    if (!plain || !ports || ports.udp.length === 0) return;
    const states = new Set(cfg.states as string[]);
    const wanted = (s: PortState): boolean => states.has(s === 'open|filtered' ? 'filtered' : s);
    const scanner = new UdpScanner({ concurrency: cfg.concurrency as number, timeoutMs: cfg.timeout_ms as number, retries: cfg.retries as number, rate: cfg.rate as number });
    const seed = parseSeed(cfg.seed as string | undefined);
    const run = async (targets: TargetSet): Promise<void> => {
      for await (const r of scanner.scan(probesOf(targets, ports.udp, seed), io.signal)) {
        const { response, ...result } = r;
        io.write('port_results', result);
        io.count('probes');
        if (wanted(r.state)) {
          const ev = portEvent(result);
          if (response) (ev.result.data as Record<string, unknown>).response = response;
          io.event(ev);
        }
        if (r.state === 'open') {
          const open: OpenPort = { ip: r.ip, port: r.port, transport: 'udp', reason: r.reason, ...(r.hostname ? { hostname: r.hostname } : {}) };
          io.write('open_ports', open);
          io.count('open');
        }
      }
    };
    if (!io.hasProducers('discovered_hosts')) return run(TargetSet.fromPlain(plain));
    for await (const batch of drainBatches(io.read<DiscoveredHost>('discovered_hosts'), io.signal)) {
      await run(targetSetOfHosts(batch));
    }
  }),
};

/**
 * `tcp_probe_discovery`: a host is up when one of a few common TCP ports
 * accepts or refuses a connection (a refusal needs a live host too). Hosts
 * are written as they answer, so the port scan starts on the first one.
 */
import type { ModuleDescriptor } from '../../engine/module.js';
import { TargetSet } from '../../targets/target-set.js';
import { parseSeed } from '../../targets/probe-order.js';
import { ConnectScan } from '../../net/connect-scanner.js';
import { Outcome } from '../../net/connect-outcome.js';
import type { DiscoveredHost, Target } from '../../model/key-contracts.js';
import { CONNECT_SETTINGS, type ConnectSettings } from './scan-settings.js';
import type { ProgressBoard } from './progress-board.js';

/** nmap's unprivileged ping uses 80 and 443; 22, 445 and 3389 catch servers without web. */
export const DISCOVERY_PORTS = [80, 443, 22, 445, 3389];

export function tcpProbeDiscovery(board?: ProgressBoard): ModuleDescriptor {
  return {
    name: 'tcp_probe_discovery',
    description: 'Finds live hosts by TCP connect to a few common ports (accept or refuse = up)',
    version: '1.0.0',
    kind: 'discovery',
    origin: 'builtin',
    config: {
      ports: { type: 'list', items: 'int', default: DISCOVERY_PORTS, description: 'ports to knock on' },
      ...CONNECT_SETTINGS,
      retries: { ...CONNECT_SETTINGS.retries!, default: 0 },
    },
    requires: ['targets'],
    provides: ['discovered_hosts'],
    create() {
      let cfg = {} as ConnectSettings & { ports: number[] };
      return {
        configure(c) {
          cfg = c as unknown as typeof cfg;
        },
        async execute(io) {
          const [plain] = await io.all<Target>('targets');
          if (!plain) return;
          const targets = TargetSet.fromPlain(plain);
          const seen = new Uint8Array(Math.ceil(targets.size / 8) || 1);
          const scan = new ConnectScan({
            targets, ports: cfg.ports, seed: parseSeed(cfg.seed), concurrency: cfg.concurrency, rate: cfg.rate,
            timeoutMs: cfg.timeout_ms, retries: cfg.retries, workers: cfg.workers, report: [Outcome.Open, Outcome.Closed],
            oneAnswerPerHost: true,
          });
          const abort = (): void => scan.stop();
          io.signal.addEventListener('abort', abort, { once: true });
          board?.set('discovery', () => ({ phase: 'discovery', ...scan.progress(), total: scan.total }));
          let up = 0;
          let probes = 0;
          try {
            probes = (await scan.start((r) => {
              const byte = r.hostIndex >> 3;
              const bit = 1 << (r.hostIndex & 7);
              if (seen[byte]! & bit) return;
              seen[byte]! |= bit;
              up++;
              const host: DiscoveredHost = {
                ip: r.host.ip, method: 'tcp-connect', reason: r.outcome === Outcome.Open ? 'syn-ack' : 'conn-refused', rtt_ms: r.rttMs,
                ...(r.host.hostname ? { hostname: r.host.hostname } : {}),
              };
              io.write('discovered_hosts', host);
            }, (m) => io.log('warn', m))).completed;
          } finally {
            io.signal.removeEventListener('abort', abort);
            board?.delete('discovery');
          }
          io.count('probes', probes);
          io.count('hosts_up', up);
          if (up === 0 && !io.signal.aborted) io.log('warn', 'no host answered discovery probes; if they are up but block them, try -Pn');
        },
      };
    },
  };
}

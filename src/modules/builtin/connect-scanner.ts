/**
 * `connect_scanner`: the TCP connect scan. Without discovery it scans the
 * whole target set at once; with a discovery node it starts on the first host
 * that answers and takes the hosts found meanwhile in the next batch, so the
 * scan streams behind discovery instead of waiting for it.
 */
import type { ExecutionIO, ModuleDescriptor } from '../../engine/module.js';
import { TargetSet } from '../../targets/target-set.js';
import { targetSetOfHosts } from './host-batch.js';
import { parseSeed } from '../../targets/probe-order.js';
import { ConnectScan } from '../../net/connect-scanner.js';
import { Outcome, stateOf } from '../../net/connect-outcome.js';
import { portEvent, type PortResult, type PortState } from '../../model/event.js';
import type { DiscoveredHost, OpenPort, ScanPorts, Target } from '../../model/key-contracts.js';
import { CONNECT_SETTINGS, type ConnectSettings } from './scan-settings.js';
import type { ProgressBoard } from './progress-board.js';
import { drainBatches } from './batches.js';

const STATES = ['open', 'closed', 'filtered'];

function reported(states: string[]): Outcome[] {
  const out = [Outcome.Open];
  if (states.includes('closed')) out.push(Outcome.Closed);
  if (states.includes('filtered')) out.push(Outcome.Timeout, Outcome.Unreachable, Outcome.Error);
  return out;
}

export function connectScanner(board?: ProgressBoard): ModuleDescriptor {
  return {
    name: 'connect_scanner',
    description: 'TCP connect scan of every target and TCP port (open / closed / filtered with a reason)',
    version: '1.0.0',
    kind: 'scanner',
    origin: 'builtin',
    config: {
      ...CONNECT_SETTINGS,
      states: { type: 'list', items: 'string', default: ['open'], description: 'states reported as events: open, closed, filtered' },
    },
    requires: ['targets', 'scan_ports'],
    uses: ['discovered_hosts'],
    provides: ['port_results', 'open_ports'],
    create() {
      let cfg = {} as ConnectSettings & { states: string[] };
      return {
        configure(c) {
          cfg = c as unknown as typeof cfg;
          const bad = cfg.states.find((s) => !STATES.includes(s));
          if (bad) throw new Error(`states: '${bad}' is not one of ${STATES.join(', ')}`);
        },
        async execute(io) {
          const [plain] = await io.all<Target>('targets');
          const [ports] = await io.all<ScanPorts>('scan_ports');
          if (!plain || !ports || ports.tcp.length === 0) return;
          const all = TargetSet.fromPlain(plain);
          if (!io.hasProducers('discovered_hosts')) {
            await scanSet(io, all, ports.tcp, cfg, board);
            return;
          }
          for await (const batch of drainBatches(io.read<DiscoveredHost>('discovered_hosts'), io.signal)) {
            await scanSet(io, targetSetOfHosts(batch), ports.tcp, cfg, board);
          }
        },
      };
    },
  };
}

async function scanSet(io: ExecutionIO, targets: TargetSet, ports: readonly number[], cfg: ConnectSettings & { states: string[] }, board?: ProgressBoard): Promise<void> {
  if (io.signal.aborted) return;
  const states = new Set(cfg.states as PortState[]);
  const scan = new ConnectScan({
    targets, ports: [...ports], seed: parseSeed(cfg.seed), concurrency: cfg.concurrency, rate: cfg.rate,
    timeoutMs: cfg.timeout_ms, retries: cfg.retries, workers: cfg.workers, report: reported(cfg.states),
  });
  const abort = (): void => scan.stop();
  io.signal.addEventListener('abort', abort, { once: true });
  board?.set('connect', () => ({ phase: 'scan', ...scan.progress(), total: scan.total }));
  try {
    const stats = await scan.start((r) => {
      const { state, reason } = stateOf(r.outcome);
      const result: PortResult = {
        ip: r.host.ip, port: r.port, transport: 'tcp', state, reason, rtt_ms: r.rttMs,
        ...(r.host.hostname ? { hostname: r.host.hostname } : {}),
      };
      if (states.has(state)) io.event(portEvent(result));
      io.write('port_results', result);
      if (state === 'open') {
        const open: OpenPort = { ip: result.ip, port: result.port, transport: 'tcp', reason, ...(result.hostname ? { hostname: result.hostname } : {}) };
        io.write('open_ports', open);
        io.count('open');
      }
    }, (m) => io.log('warn', m));
    io.count('probes', stats.completed);
    io.count('hosts', targets.size);
  } finally {
    io.signal.removeEventListener('abort', abort);
    board?.delete('connect');
  }
}

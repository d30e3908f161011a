/**
 * `target_expansion`: turns target specs and port specs into the DataContext's
 * `targets` (the compact set, never expanded) and `scan_ports`.
 *
 * Wide ranges lose the reserved blocks (targets/reserved.ts) unless named on
 * their own, and a set above `max_targets` is refused unless
 * `allow_large_scan`: this is the node every scan starts from, so nothing is
 * sent before these checks. The Scanner plans each such node before it opens
 * anything (src/scan/target-plans.ts) and hands the plan to the node, so
 * lists are read, names resolved and ports parsed once.
 */
import type { ModuleDescriptor, ModuleInstance } from '../../engine/module.js';
import { planTargets, type LeftOut, type TargetSet } from '../../targets/target-set.js';
import { checkTargetLimit, DEFAULT_MAX_TARGETS, formatCount, leftOutLines } from '../../targets/target-limit.js';
import { scanPortsOf, type PortSet } from '../../targets/ports.js';
import { UsageError } from '../../errors.js';

/** A target_expansion node's result, checked against its size limit. */
export interface TargetPlan {
  set: TargetSet;
  leftOut: LeftOut[];
  ports: PortSet;
}

/** Reads a (validated) target_expansion config: ports first, then targets, then the size limit. */
export async function planTargetExpansion(cfg: Record<string, unknown>): Promise<TargetPlan> {
  const specs = cfg.targets as string[];
  if (specs.length === 0 && !cfg.input_list) throw new UsageError('no targets given');
  // ports first: a bad spec is refused before any name is resolved
  const ports = scanPortsOf({
    ports: cfg.ports as string | undefined,
    topPorts: cfg.top_ports as number | undefined,
    topUdpPorts: cfg.top_udp_ports as number | undefined,
    defaultTopPorts: cfg.default_top_ports as number,
  });
  const { set, leftOut } = await planTargets({
    targets: specs,
    inputFile: cfg.input_list as string | undefined,
    exclude: cfg.exclude as string[],
    excludeFile: cfg.exclude_file as string | undefined,
    leaveOutReserved: true,
  });
  checkTargetLimit(BigInt(set.size), cfg.allow_large_scan ? undefined : (cfg.max_targets as number));
  return { set, leftOut, ports };
}

/** target_expansion; a node whose id is in `plans` takes its plan from there instead of planning again. */
export function targetExpansionWith(plans: ReadonlyMap<string, TargetPlan> = new Map()): ModuleDescriptor {
  return {
    name: 'target_expansion',
    description: 'Parses targets (addresses, CIDRs, ranges, hostnames, files, exclusions) and ports',
    version: '1.1.0',
    kind: 'source',
    origin: 'builtin',
    config: {
      targets: { type: 'list', items: 'string', default: [], description: 'addresses, CIDRs, ranges or hostnames' },
      input_list: { type: 'string', description: 'file of targets (- for stdin)' },
      exclude: { type: 'list', items: 'string', default: [], description: 'targets to leave out' },
      exclude_file: { type: 'string', description: 'file of targets to leave out' },
      ports: { type: 'string', description: 'port spec: 22,80 1-1024 - T:80,U:53 (with top_ports: both, each port once)' },
      top_ports: { type: 'int', min: 1, max: 65535, description: 'the N most common TCP ports (with ports: both, each port once)' },
      top_udp_ports: { type: 'int', min: 1, max: 65535, description: 'also the N most common UDP ports' },
      default_top_ports: { type: 'int', default: 1000, min: 1, max: 65535, description: 'the N most common TCP ports, when neither ports nor top_ports is set' },
      max_targets: { type: 'int', default: DEFAULT_MAX_TARGETS, min: 1, max: 2 ** 32, description: 'most addresses without allow_large_scan (default a /8 or a /104)' },
      allow_large_scan: { type: 'bool', default: false, description: 'scan more than max_targets addresses' },
    },
    requires: [],
    provides: ['targets', 'scan_ports'],
    create: (): ModuleInstance => {
      let nodeId = '';
      let cfg: Record<string, unknown> = {};
      return {
        initialize(env) {
          nodeId = env.nodeId;
        },
        configure(c) {
          cfg = c;
        },
        async execute(io) {
          const { set, leftOut, ports } = plans.get(nodeId) ?? (await planTargetExpansion(cfg));
          const left = leftOutLines(leftOut);
          if (left) {
            io.log('warn', left.line);
            for (const d of left.details) io.log('info', d);
          }
          io.log('info', `${formatCount(set.size)} address${set.size === 1 ? '' : 'es'}, ${formatCount(ports.tcp.length)} TCP and ${formatCount(ports.udp.length)} UDP ports`);
          io.count('hosts', set.size);
          io.count('ports', ports.tcp.length + ports.udp.length);
          io.write('targets', set.toPlain());
          io.write('scan_ports', ports);
        },
      };
    },
  };
}

export const targetExpansion: ModuleDescriptor = targetExpansionWith();

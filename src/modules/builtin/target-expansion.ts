/**
 * `target_expansion`: turns target specs and port specs into the DataContext's
 * `targets` (the compact set, never expanded) and `scan_ports`.
 */
import type { ModuleDescriptor } from '../module.js';
import { configured } from './configured.js';
import { buildTargetSet } from '../../targets/target-set.js';
import { parsePorts, topPorts, mergePortSets, type PortSet } from '../../targets/ports.js';
import { UsageError } from '../../errors.js';

export const targetExpansion: ModuleDescriptor = {
  name: 'target_expansion',
  description: 'Parses targets (addresses, CIDRs, ranges, hostnames, files, exclusions) and ports',
  version: '1.0.0',
  kind: 'source',
  origin: 'builtin',
  config: {
    targets: { type: 'list', items: 'string', default: [], description: 'addresses, CIDRs, ranges or hostnames' },
    input_list: { type: 'string', description: 'file of targets (- for stdin)' },
    exclude: { type: 'list', items: 'string', default: [], description: 'targets to leave out' },
    exclude_file: { type: 'string', description: 'file of targets to leave out' },
    ports: { type: 'string', description: 'port spec: 22,80 1-1024 - T:80,U:53' },
    top_ports: { type: 'int', min: 1, max: 65535, description: 'the N most common TCP ports (default 1000 when no ports are given)' },
    top_udp_ports: { type: 'int', min: 1, max: 65535, description: 'also the N most common UDP ports' },
  },
  requires: [],
  provides: ['targets', 'scan_ports'],
  create: configured(async (io, cfg) => {
    const specs = cfg.targets as string[];
    if (specs.length === 0 && !cfg.input_list) throw new UsageError('no targets given');
    const set = await buildTargetSet({
      targets: specs,
      inputFile: cfg.input_list as string | undefined,
      exclude: cfg.exclude as string[],
      excludeFile: cfg.exclude_file as string | undefined,
    });
    let ports: PortSet | undefined = cfg.ports !== undefined ? parsePorts(cfg.ports as string) : undefined;
    if (cfg.top_ports !== undefined || !ports) {
      const top = { tcp: topPorts((cfg.top_ports as number | undefined) ?? 1000, 'tcp'), udp: [] };
      ports = ports ? mergePortSets(ports, top) : mergePortSets(top, { tcp: [], udp: [] });
    }
    if (cfg.top_udp_ports !== undefined) ports = mergePortSets(ports, { tcp: [], udp: topPorts(cfg.top_udp_ports as number, 'udp') });
    io.count('hosts', set.size);
    io.count('ports', ports.tcp.length + ports.udp.length);
    io.write('targets', set.toPlain());
    io.write('scan_ports', ports);
  }),
};

/**
 * The `<service>` nmap shows for a port, from what the plugins said. The
 * best identification wins as in the table (a version beats a product beats
 * a bare name, then confidence); fields it lacks (extrainfo, ostype, …) and
 * CPEs come from the others that name the same service and product.
 * `method` is `table` when the name only came from the port number
 * (service-simple's `table_default`), else `probed`; `conf` is the 0..1
 * confidence ×10 (else 10 probed, 3 from the table, as nmap's).
 */
import type { ServiceInfo } from '../model/key-contracts.js';

export interface NmapService {
  name: string;
  product?: string;
  version?: string;
  extrainfo?: string;
  hostname?: string;
  ostype?: string;
  devicetype?: string;
  method: 'probed' | 'table';
  conf: number;
  cpe: string[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const weight = (s: ServiceInfo): number => (str(s.version) ? 4 : 0) + (str(s.product) ? 2 : 0) + (typeof s.confidence === 'number' ? s.confidence : 0.5);

const cpesOf = (s: ServiceInfo): string[] => (Array.isArray(s.cpe) ? s.cpe : [s.cpe]).filter((c): c is string => typeof c === 'string' && c.startsWith('cpe:'));

/** `unknown`: a plugin looked and could not tell, and none could. */
export function nmapService(said: readonly ServiceInfo[]): NmapService | undefined {
  const named = said.filter((s) => str(s.name) && s.name !== 'unknown');
  if (named.length === 0) return said.length > 0 ? { name: 'unknown', method: 'probed', conf: 0, cpe: [] } : undefined;
  const best = named.reduce((a, b) => (weight(b) > weight(a) ? b : a));
  const same = named.filter((s) => s.name === best.name && (!str(s.product) || !str(best.product) || s.product === best.product));
  const field = (k: 'extrainfo' | 'hostname' | 'ostype' | 'devicetype'): string | undefined => str(best[k]) ?? same.map((s) => str(s[k])).find(Boolean);
  const table = typeof best.method === 'string' && best.method.startsWith('table');
  const conf = typeof best.confidence === 'number' && Number.isFinite(best.confidence) ? Math.min(10, Math.max(0, Math.round(best.confidence * 10))) : table ? 3 : 10;
  return {
    name: best.name,
    product: str(best.product),
    version: str(best.version),
    extrainfo: field('extrainfo'),
    hostname: field('hostname'),
    ostype: field('ostype'),
    devicetype: field('devicetype'),
    method: table ? 'table' : 'probed',
    conf,
    cpe: [...new Set(same.flatMap(cpesOf))],
  };
}

/** nmap's VERSION column: `OpenSSH 9.2p1 (protocol 2.0)`. */
export function versionText(s: NmapService | undefined): string {
  if (!s) return '';
  return [s.product, s.version, s.extrainfo ? `(${s.extrainfo})` : undefined].filter(Boolean).join(' ');
}

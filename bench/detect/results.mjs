// What each scanner named on each port: ours from `wasmap scan -f jsonl`,
// nmap's from `nmap -sV -oX -`.

/** @typedef {{name?: string, product?: string, version?: string, tunnel?: string, method?: string}} Named */

const score = (/** @type {Named} */ s) => (s.name ? 1 : 0) + (s.product ? 1 : 0) + (s.version ? 1 : 0);

/**
 * port -> the service our scan reports: service-simple's, or a protocol
 * plugin's where it says more (product, version).
 * @param {string} jsonl @returns {Map<number, Named>}
 */
export function ours(jsonl) {
  /** @type {Map<number, Named>} */
  const byPort = new Map();
  for (const line of jsonl.split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    const svc = e.result?.service;
    if (!svc?.name || svc.name === 'unknown' || e.target?.port === undefined) continue;
    const have = byPort.get(e.target.port);
    if (!have || score(svc) > score(have) || (e.origin?.type === 'service-simple' && score(svc) >= score(have))) {
      byPort.set(e.target.port, { name: svc.name, product: svc.product, version: svc.version, tunnel: svc.tls ? 'ssl' : undefined });
    }
  }
  return byPort;
}

/**
 * port -> nmap's service element. method="table" means nmap only looked the
 * port number up in its services file: that names nothing it saw.
 * @param {string} xml @returns {Map<number, Named>}
 */
export function theirs(xml) {
  /** @type {Map<number, Named>} */
  const byPort = new Map();
  for (const m of xml.matchAll(/<port protocol="tcp" portid="(\d+)">([\s\S]*?)<\/port>/g)) {
    const svc = /<service ([^>]*?)\/?>/.exec(m[2]);
    if (!svc) continue;
    /** @param {string} k */
    const attr = (k) => new RegExp(`\\b${k}="([^"]*)"`).exec(svc[1])?.[1];
    byPort.set(Number(m[1]), { name: attr('name'), product: attr('product'), version: attr('version'), tunnel: attr('tunnel'), method: attr('method') });
  }
  return byPort;
}

/** Did nmap identify it from what the service said (not a port-table guess)? @param {Named | undefined} s */
export const nmapNamed = (s) => Boolean(s?.name && s.name !== 'unknown' && s.name !== 'tcpwrapped' && s.method === 'probed');

/** Did our scan name it? @param {Named | undefined} s */
export const oursNamed = (s) => Boolean(s?.name && s.name !== 'unknown');

/** nmap's names for what wasmap calls otherwise (nmap-services spellings). */
const ALIASES = Object.freeze({ 'ms-wbt-server': 'rdp', 'microsoft-ds': 'smb', 'netbios-ssn': 'smb', postgres: 'postgresql', 'http-proxy': 'http' });

/** One spelling per service: lower case, ssl/NAME as NAMEs (https, imaps), aliases folded. @param {Named} s */
function key(s) {
  const name = (s.name ?? '').toLowerCase();
  const tls = s.tunnel === 'ssl' && !name.endsWith('s') ? `${name}s` : name;
  return /** @type {Record<string, string>} */ (ALIASES)[tls] ?? tls;
}

/** Both named it, and the same service. @param {Named | undefined} a @param {Named | undefined} b */
export const sameService = (a, b) => Boolean(a && b && key(a) === key(b));

/** "ssl/imap Dovecot imapd 2.3" style cell. @param {Named | undefined} s */
export function cell(s) {
  if (!s?.name) return '-';
  const name = s.tunnel ? `${s.tunnel}/${s.name}` : s.name;
  return [name, s.product, s.version].filter(Boolean).join(' ') + (s.method === 'table' ? ' (port table)' : '');
}

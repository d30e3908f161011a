// Writes src/targets/top-ports-table.ts. Run by hand: `node scripts/top-ports-table.gen.mjs`
// (needs Debian's netbase for /etc/services). Not used at run time.
//
// The order is wasmap's own and deliberately not nmap's frequency data (whose
// licence forbids bundling): first a hand-ordered list of what is commonly
// exposed, by tiers (web and remote access, mail, file sharing, databases,
// Windows, management and monitoring, containers, message brokers, VPN, VoIP,
// cameras and IoT, industrial control); then the other ports registered in
// netbase's /etc/services, ascending; then the rest of 1-1024, ascending.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TCP_CURATED = [
  // Tier 1: on nearly every network
  80, 443, 22, 21, 25, 3389, 8080, 23, 53, 445, 139, 135, 8443, 110, 143, 993, 995, 587, 465,
  3306, 111, 5900, 8000, 8888, 1723, 5060, 554, 7547, 8081, 2222, 81, 179, 631, 9100, 2049,
  5432, 1433, 389, 88, 636, 5985, 10000, 5000, 8008, 3000, 9000, 9090, 8088, 8880, 5001,
  // Tier 2: web panels and alternates, proxies, Windows RPC, directory
  4443, 9443, 8089, 2082, 2083, 2086, 2087, 2095, 2096, 1080, 3128, 8291, 37777,
  49152, 49153, 49154, 49155, 49156, 49157, 5357, 515, 548, 873, 990, 20, 113, 119,
  6379, 27017, 9200, 1521, 11211, 5986, 3268, 3269, 464, 593, 1900, 5555, 8001, 8082,
  8083, 8084, 8085, 8086, 8087, 8090, 8181, 8889, 7001, 7002, 10443, 8880, 8800, 9080,
  9091, 9001, 9002, 9999, 4444, 6000, 6001, 5901, 5902, 5903, 5800, 2323, 8010, 8020,
  // Tier 3: databases, brokers, containers, orchestration, monitoring
  5433, 33060, 1434, 50000, 9042, 7000, 7199, 5984, 6984, 8091, 28017, 27018, 27019,
  26379, 6380, 9300, 7474, 7687, 8529, 26257, 4000, 3050, 5672, 15672, 5671, 61616,
  61613, 8161, 1883, 8883, 9092, 2181, 4369, 25672, 1414, 6443, 2375, 2376, 2379, 2380,
  10250, 10255, 10256, 10257, 10259, 8001, 30000, 32000, 5601, 9093, 9094, 3100, 9411,
  16686, 8500, 8600, 8200, 4646, 9500, 9115, 9187, 9104, 9121, 9113, 9116, 9182,
  10050, 10051, 5666, 5667, 161, 199, 4949, 9101, 9102, 9103, 8140, 4505, 4506,
  // Tier 4: remote administration and file transfer
  5938, 5631, 5632, 3390, 3391, 2179, 47001, 5358, 9389, 1801, 2103, 2105, 2107, 3260,
  860, 3205, 2121, 989, 992, 994, 69, 115, 513, 514, 512, 543, 544, 2105, 1099, 1098,
  7070, 4848, 8009, 8005, 8180, 8983, 9060, 9043, 7777, 7778, 8787, 8834, 9390,
  9392, 3001, 4200, 5500, 4567, 8123, 1880, 8096, 32400, 8112, 9091, 6881, 51413, 6969,
  // Tier 5: mail, chat, directory, name services
  2525, 26, 106, 109, 220, 4190, 24, 1109, 5222, 5223, 5269, 5280, 6667, 6697, 6660,
  6665, 6666, 6668, 6669, 194, 3269, 3268, 636, 853, 5353, 5355, 1812, 1813, 1645, 1646,
  49, 750, 749, 754, 88, 543, 2053,
  // Tier 6: VPN, VoIP, video, streaming
  1194, 1701, 500, 4500, 1723, 10443, 4433, 5061, 1720, 1719, 2000, 5004, 5005, 8554,
  10554, 1935, 3478, 3479, 5349, 19302, 5062, 5080, 8021, 2427, 2727, 4569,
  // Tier 7: cameras, DVRs, routers, home gateways, IoT
  34567, 34599, 9527, 8899, 5050, 60001, 10001, 52869, 37215, 49000, 2601, 2602, 2604,
  2605, 8728, 8729, 4786, 8291, 20000, 1701, 5431, 8060, 8200, 9001, 5353, 1900, 5678,
  // Tier 8: industrial control and building automation
  502, 102, 44818, 2404, 4840, 1911, 4911, 9600, 18245, 18246, 789, 1962, 20547, 2455,
  5094, 5006, 5007, 47808, 1089, 1090, 1091, 2222, 34962, 34963, 34964, 38000, 38001,
  // Tier 9: app servers, data platforms, observability, virtualisation
  3001, 3002, 3003, 4001, 5173, 8002, 8003, 8004, 8006, 8007, 8069, 8118, 8139, 8222,
  8280, 8300, 8301, 8302, 8332, 8333, 8384, 8428, 8444, 8448, 8530, 8531, 8545, 8761,
  8848, 8920, 8989, 8998, 9003, 9030, 9050, 9051, 9083, 9418, 9440, 9870, 9990, 9993,
  902, 903, 5480, 5988, 5989, 16992, 16993, 17988, 4343, 6432, 1527, 5044, 24224, 4317,
  4318, 14268, 2003, 2004, 4242, 19999, 61208, 7180, 8020, 8042, 50070, 50075, 16010,
  18080, 4040, 7077, 6006, 8265, 28015, 20880, 30303, 3343, 5722, 2869, 1755, 6690,
  7359, 22000, 58846, 7878, 9117, 37778, 4840, 25565, 25575, 27015, 27036, 10011,
  30033, 31337, 32768, 12345, 11111, 24800, 1026, 1025, 1027, 1028, 1029, 1030,
];

const UDP_CURATED = [
  53, 123, 161, 137, 138, 67, 68, 69, 500, 4500, 1900, 5353, 514, 520, 443, 1194, 51820,
  162, 623, 5060, 3478, 1701, 1812, 1813, 111, 2049, 88, 464, 389, 11211, 1434, 5355,
  3702, 427, 177, 5683, 47808, 20000, 3389, 10001, 5678, 5351, 4789, 8472, 6081, 1645,
  1646, 2123, 2152, 631, 1604, 27015, 3074, 9987, 64738, 5004, 5005, 1719, 2427, 2727,
  5632, 17185, 44818, 2222, 19, 17, 7, 13, 37, 9, 518, 517, 1025, 1026, 1027, 1028,
  49152, 49153, 49154, 6881, 10000, 26000, 27960, 2302, 7777, 5061,
  546, 547, 1985, 3222, 5246, 5247, 2055, 9995, 6343, 4739, 8125, 319, 320, 3784, 21027,
  34964, 3283, 1718, 10161, 8612,
];

function servicePorts(proto) {
  const ports = new Set();
  for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
    const m = /^\S+\s+(\d+)\/(\w+)/.exec(line);
    if (m && m[2] === proto) ports.add(Number(m[1]));
  }
  return [...ports].sort((a, b) => a - b);
}

function build(curated, proto, want) {
  const out = [];
  const seen = new Set();
  const add = (p) => {
    if (out.length < want && !seen.has(p)) { seen.add(p); out.push(p); }
  };
  curated.forEach(add);
  const curatedEnd = out.length;
  servicePorts(proto).forEach(add);
  const servicesEnd = out.length;
  for (let p = 1; p <= 1024; p++) add(p);
  return { ports: out, curatedEnd, servicesEnd };
}

function format(name, doc, { ports, curatedEnd, servicesEnd }) {
  const rows = [];
  for (let i = 0; i < ports.length; i += 16) rows.push('  ' + ports.slice(i, i + 16).join(', ') + ',');
  return `/** ${doc} Hand-ordered: [0, ${curatedEnd}); netbase services: [${curatedEnd}, ${servicesEnd}); ports up to 1024: [${servicesEnd}, ${ports.length}). */
export const ${name}: readonly number[] = Object.freeze([
${rows.join('\n')}
]);
`;
}

const header = `/**
 * Bundled "most common ports" tables for --top-ports, most frequent first.
 *
 * Generated by top-ports-table.gen.mjs; edit that and re-run, not this file.
 * The order is wasmap's own, NOT nmap's nmap-services frequency data (whose
 * licence forbids bundling). It was built in three parts:
 *  1. a hand-ordered list, written for wasmap from general knowledge of what
 *     is commonly exposed (web and remote access, mail, file sharing,
 *     databases, Windows, management, containers, brokers, VPN, VoIP,
 *     cameras/IoT, industrial control), most common first;
 *  2. then every other port registered in Debian netbase's /etc/services
 *     (taken from IANA's registry), ascending;
 *  3. then the remaining ports 1-1024, ascending, up to the table size.
 */
`;

const here = dirname(fileURLToPath(import.meta.url));
const tcp = build(TCP_CURATED, 'tcp', 1000);
const udp = build(UDP_CURATED, 'udp', 100);
writeFileSync(
  join(here, '../src/targets/top-ports-table.ts'),
  header + '\n' + format('TOP_TCP_PORTS', '1000 TCP ports, most common first.', tcp) + '\n' +
    format('TOP_UDP_PORTS', '100 UDP ports, most common first.', udp),
);
console.log(`tcp: ${tcp.ports.length} (${tcp.curatedEnd} hand-ordered), udp: ${udp.ports.length} (${udp.curatedEnd} hand-ordered)`);

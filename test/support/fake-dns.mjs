#!/usr/bin/env node
/**
 * A tiny DNS server for tests that must see which names a process looks up:
 * run it inside a test's own network namespace on 127.0.0.1:53. Every query
 * name is appended to LOGFILE (one per line); names ending in
 * `.control.test` get an A record 127.0.0.1, everything else NXDOMAIN.
 *   node fake-dns.mjs LOGFILE
 * Prints "ready" on stdout once listening.
 */
import { appendFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';

const log = process.argv[2];
const sock = createSocket('udp4');

function qname(msg) {
  const labels = [];
  let i = 12;
  while (i < msg.length && msg[i] !== 0) {
    const n = msg[i];
    labels.push(msg.subarray(i + 1, i + 1 + n).toString('latin1'));
    i += 1 + n;
  }
  return { name: labels.join('.'), end: i + 5 }; // zero byte, qtype, qclass
}

sock.on('message', (msg, from) => {
  if (msg.length < 17) return;
  const { name, end } = qname(msg);
  const qtype = msg.readUInt16BE(end - 4);
  appendFileSync(log, `${name}\n`);
  const answer = name.endsWith('.control.test') && qtype === 1;
  const head = Buffer.from(msg.subarray(0, 12));
  head.writeUInt16BE(0x8180 | (answer ? 0 : 3), 2); // response, RD+RA, NOERROR or NXDOMAIN
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(answer ? 1 : 0, 6);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  const question = msg.subarray(12, end);
  const rr = answer ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 127, 0, 0, 1]) : Buffer.alloc(0);
  sock.send(Buffer.concat([head, question, rr]), from.port, from.address);
});
sock.bind(53, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));

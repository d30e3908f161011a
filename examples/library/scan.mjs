// wasmap as a library: scan 127.0.0.1 and print each event as it is found.
//   node examples/library/scan.mjs [PORT]
// Without PORT it starts a small TCP server on 127.0.0.1 and scans that.
import { createServer } from 'node:net';
import { scan } from 'wasmap';

let port = Number(process.argv[2]);
const server = port ? undefined : createServer((socket) => {
  socket.on('error', () => {}); // the port scan's probe closes with a reset
  socket.end('hello from the example\r\n');
});
if (server) {
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  port = server.address().port;
}

const events = scan(['127.0.0.1'], { profile: 'ports', ports: String(port), banner: true, skipDiscovery: true });
let next;
while (!(next = await events.next()).done) {
  const ev = next.value;
  const what = ev.origin.type === 'banner' ? JSON.stringify(Buffer.from(ev.result.data.banner).toString()) : ev.result.data.state?.state;
  console.log(`${ev.origin.type} ${ev.target.ip}:${ev.target.port} ${what}`);
}
// the generator returns the run's summary
const summary = next.value;
console.log(`hosts: ${summary.hosts}, ports probed: ${summary.ports_probed}, open: ${summary.open}`);
server?.close();

// Loopback server for the concurrency bench, in its own process so its
// sockets do not count in the runtime's RSS. Holds every connection that
// sent a line until `n` are held, then answers them all.
import net from 'node:net';
const n = Number(process.argv[2]);
let held = [];
const server = net.createServer((s) => {
  s.on('error', () => {});
  s.once('data', () => {
    held.push(s);
    if (held.length === n) {
      process.send?.({ allHeld: performance.now() });
      for (const c of held) c.end('RELEASED\n');
      held = [];
    }
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (m) => m === 'stop' && process.exit(0));

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
// @ts-expect-error plain ESM module with JSDoc types
import { ensureCertificate } from '../../../test/support/services.mjs';
import { tcpServer, tempDir, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';


interface Running { name: string; host: string; port: number; extra: { retained: Record<string, string> } }
interface TopicOut { topic: string; payload: Uint8Array; payload_length: number; retained: boolean }
interface MqttData {
  connected: boolean; auth_required: boolean; topics: TopicOut[]; num_topics: number; num_events: number; bytes_captured: number;
  connack: { return_code: number; return_code_name: string; session_present: boolean };
}

/** MQTT 3.1.1 CONNECT (clean session, client id `id`) then SUBSCRIBE # and $SYS/#, built by hand. */
function connectAndSubscribe(id: string): Buffer {
  const str = (s: string): Buffer => Buffer.concat([Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s)]);
  const conn = Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 60]), str(id)]);
  const sub = Buffer.concat([Buffer.from([0, 1]), str('#'), Buffer.from([0]), str('$SYS/#'), Buffer.from([0])]);
  return Buffer.concat([Buffer.from([0x10, conn.length]), conn, Buffer.from([0x82, sub.length]), sub]);
}

/** Everything the broker sends in `ms` after CONNECT + SUBSCRIBE. */
function capture(port: number, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => sock.write(connectAndSubscribe(`wasmap-test-${process.pid}`)));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); resolve(Buffer.concat(chunks)); }, ms);
  });
}

describe('the mqtt scanner plugin, on real mosquitto brokers', () => {
  const under = usePlugin('mqtt', { services: ['mqtt'], harness: true });
  let broker: Running;
  let stream: Buffer;
  let lockedPort = 0;
  let tlsPort = 0;

  beforeAll(async () => {
    broker = under.service<Running>('mqtt');
    stream = await capture(broker.port, 700);
    // a second mosquitto that refuses anonymous clients, on a free high loopback port, stopped by PID after the file
    const out = tempDir('mqtt-plugin');
    ({ port: lockedPort } = await under.daemon('/usr/sbin/mosquitto', (port) => {
      const conf = join(out, 'locked.conf');
      writeFileSync(conf, `per_listener_settings false\nallow_anonymous false\npersistence false\nlistener ${port} 127.0.0.1\n`);
      return ['-c', conf];
    }));
    // and one that speaks MQTT over TLS only (as on 8883), with the tests' self-signed certificate
    const { cert, key } = ensureCertificate() as { cert: string; key: string };
    ({ port: tlsPort } = await under.daemon('/usr/sbin/mosquitto', (port) => {
      const tlsConf = join(out, 'tls.conf');
      writeFileSync(tlsConf, `per_listener_settings false\nallow_anonymous true\npersistence false\nlistener ${port} 127.0.0.1\ncertfile ${cert}\nkeyfile ${key}\n`);
      return ['-c', tlsConf];
    }));
  });

  const scan = under.scan;
  const parse = (bytes: Uint8Array): Promise<InvocationResult> => under.parse({ banner: bytes });

  it('is an active scanner for ports 1883 and 8883 or any port named mqtt', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'mqtt', kind: 'scanner', capabilities: ['network'],
      match: { ports: [1883, 8883], services: ['mqtt'], transport: 'tcp' },
    });
  });

  it('connects anonymously and lists the retained wasmap/ topics with their payloads', async () => {
    const r = await scan(broker.port, { listen_ms: 1000 });
    expect(r.status).toBe('success');
    const d = r.data as MqttData;
    expect(d).toMatchObject({ connected: true, auth_required: false, connack: { return_code: 0, return_code_name: 'accepted', session_present: false } });
    const ours = d.topics.filter((t) => t.topic.startsWith('wasmap/'))
      .map((t) => [t.topic, Buffer.from(t.payload).toString(), t.retained]).sort();
    expect(ours).toEqual(Object.entries(broker.extra.retained).map(([k, v]) => [k, v, true]).sort());
    expect(d.num_topics).toBe(d.topics.length);
    expect(d.num_events).toBeGreaterThanOrEqual(d.topics.length);
    expect(d.bytes_captured).toBeGreaterThanOrEqual(d.topics.reduce((n, t) => n + t.payload_length, 0));
    expect(d.topics.length).toBeGreaterThanOrEqual(Object.keys(broker.extra.retained).length);
    expect(r.summary).toBe(`no auth; ${d.topics.length} topics seen`);
  });

  it('names Mosquitto and the version mosquitto -h prints, from $SYS/broker/version', async () => {
    const version = /mosquitto version (\S+)/.exec(spawnSync('/usr/sbin/mosquitto', ['-h'], { encoding: 'utf8' }).stdout)![1]!;
    const r = await scan(broker.port, { listen_ms: 1000 });
    expect(r.service).toEqual({ name: 'mqtt', product: 'Mosquitto', version, cpe: [`cpe:/a:eclipse:mosquitto:${version}`], confidence: 1 });
  });

  it('caps the topic list and each payload preview as configured', async () => {
    const r = await scan(broker.port, { listen_ms: 1000, max_topics: 2, max_payload: 2 });
    const d = r.data as MqttData & { topics_truncated: boolean };
    expect(d.topics).toHaveLength(2);
    expect(d.topics_truncated).toBe(true);
    for (const t of d.topics) expect(t.payload.length).toBe(Math.min(2, t.payload_length));
    expect(r.summary).toBe('no auth; 2+ topics seen');
  });

  it('reports auth_required when the broker refuses anonymous clients (CONNACK 5)', async () => {
    const r = await scan(lockedPort);
    expect(r.status).toBe('success');
    expect(r.data).toEqual({
      connected: false, auth_required: true, topics: [], num_topics: 0, num_events: 0, bytes_captured: 0,
      connack: { return_code: 5, return_code_name: 'not authorized', session_present: false },
    });
    expect(r.summary).toBe('auth required');
  });

  it('speaks MQTT over TLS when the target is TLS, and says which TLS it got', async () => {
    const r = await under.scan(tlsPort, { listen_ms: 500 }, { tls: true });
    expect(r.status).toBe('success');
    const d = r.data as MqttData & { tls: { version: string; cipher: string } };
    expect(d).toMatchObject({ connected: true, auth_required: false, connack: { return_code: 0 } });
    expect(d.tls.version).toMatch(/^TLSv1\.[23]$/);
    expect(d.tls.cipher.length).toBeGreaterThan(0);
    expect((r.service as { product: string }).product).toBe('Mosquitto');
  });

  it('fails a plain-text broker reached as TLS with the TLS error, not a hang', async () => {
    const r = await under.scan(broker.port, { timeout_ms: 1000 }, { tls: true });
    expect(r.status).not.toBe('success');
    expect(r.error).toMatch(/^TLS: /);
  });

  it('reads every packet of a real broker stream, and never traps on any prefix of it', async () => {
    const d = (await parse(stream)).data as { packets: number; connack: number; bad: string; publishes: { topic: string; payload: string; retained: boolean }[]; prefix_bad: number; prefix_regress: number };
    expect(d).toMatchObject({ connack: 0, bad: '', prefix_bad: 0, prefix_regress: 0 });
    expect(d.packets).toBe(d.publishes.length + 2); // CONNACK, SUBACK, then PUBLISHes
    for (const [topic, payload] of Object.entries(broker.extra.retained)) expect(d.publishes).toContainEqual({ topic, payload, retained: true });
  });

  it('refuses hostile packets as malformed instead of allocating or trapping', async () => {
    const cases: [number[], string][] = [
      [[0x30, 0xff, 0xff, 0xff, 0xff, 0x01], 'remaining length longer than 4 bytes'],
      [[0x30, 0xff, 0xff, 0xff, 0x7f], 'packet of 268435455 bytes is over the 1048576-byte cap'],
      [[0x30, 0x03, 0x00, 0x09, 0x41], 'PUBLISH topic length past the packet'],
      [[0x32, 0x03, 0x00, 0x01, 0x41], 'PUBLISH without a packet identifier'],
      [[0x36, 0x00], 'PUBLISH with QoS 3'],
      [[0x00, 0x00], 'reserved packet type 0'],
    ];
    for (const [bytes, why] of cases) {
      const d = (await parse(new Uint8Array(bytes))).data as { bad: string };
      expect({ bytes, bad: d.bad }).toEqual({ bytes, bad: why });
    }
  });

  describe('against fake servers on loopback', () => {
    let http: TestServer;
    let mute: TestServer;
    beforeAll(async () => {
      http = await tcpServer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
      mute = await tcpServer(() => {});
    });
    afterAll(async () => { await http?.close(); await mute?.close(); });

    it('calls a server that does not answer with CONNACK a protocol-error', async () => {
      const r = await scan(http.port);
      expect(r.status).toBe('protocol-error');
      expect(r.data).toBeUndefined();
    });

    it('calls a server that never answers an io-timeout', async () => {
      const r = await scan(mute.port, { timeout_ms: 300 });
      expect(r.status).toBe('io-timeout');
    });
  });
});

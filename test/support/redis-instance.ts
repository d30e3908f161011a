/**
 * A private redis-server for one test file: 127.0.0.1 only, on a free port,
 * no RDB snapshots, noeviction (BullMQ's keys must never be evicted), and
 * optionally AOF in its own folder so a restart keeps what was written.
 * Stopped by its PID (SIGTERM, then waiting for the exit); restarted on the
 * same port and folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { closedPort } from './listeners.js';

const REDIS_SERVER = '/usr/bin/redis-server';

/** A port nothing listens on right now, outside the ephemeral range (see listeners.ts). */
export const freePort = (): Promise<number> => closedPort();

export class RedisInstance {
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly aof: boolean,
  ) {}

  /** Starts redis-server and waits until it answers PING. */
  static async start(o: { aof?: boolean } = {}): Promise<RedisInstance> {
    // the free port can be taken between our probe and redis' bind: then another one (3 tries)
    for (let tries = 1; ; tries++) {
      const r = new RedisInstance(await freePort(), mkdtempSync(join(tmpdir(), 'wasmap-redis-')), o.aof ?? false);
      try {
        await r.#launch();
        return r;
      } catch (e) {
        await r.close();
        if (tries === 3) throw e;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** A client of its own (the caller quits it). */
  client(name?: string): Redis {
    return new Redis({ host: '127.0.0.1', port: this.port, maxRetriesPerRequest: null, ...(name ? { connectionName: name } : {}) });
  }

  async #launch(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--dir', this.dir, '--maxmemory-policy', 'noeviction', '--protected-mode', 'yes'];
    if (this.aof) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout!.on('data', (d) => (this.#log = (this.#log + d).slice(-4000)));
    child.stderr!.on('data', (d) => (this.#log = (this.#log + d).slice(-4000)));
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before answering PING:\n${this.#log}`))));
    exited.catch(() => undefined);
    // bounded: 200 tries, 50 ms apart
    for (let i = 0; i < 200; i++) {
      const pong = await Promise.race([this.#ping(), exited]);
      if (pong) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on ${this.port} never answered PING:\n${this.#log}`);
  }

  /** One PING on a fresh socket: true once the server answers +PONG. */
  #ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = net.connect(this.port, '127.0.0.1');
      let got = '';
      s.setTimeout(1000, () => s.destroy());
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        got += d;
        if (got.includes('\r\n')) s.end();
      });
      s.on('close', () => resolve(got.startsWith('+PONG')));
      s.on('error', () => resolve(false));
    });
  }

  /** SIGTERM by PID, then waits for the exit (redis flushes the AOF on SIGTERM). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid!, 'SIGTERM');
    await gone;
    this.#child = undefined;
  }

  /** Stops it and starts it again on the same port and folder (with AOF, the data survives). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#launch();
  }

  /** Stops it and removes its folder. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

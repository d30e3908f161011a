import type { Scope } from './host/scope.js';
import type { HandleTable } from './host/handles.js';
import { E } from './errno.js';
import { MIN_CHARGE } from './limits.js';
import { LimitExceeded } from './traps.js';
import type { InvocationTarget, Limits, LogLine, PluginManifest } from './types.js';

/**
 * Everything one invocation owns: its counters, logs, emits, handles and
 * deadline. Host functions reach it through the instance's current context,
 * so an instance reused for the next invocation starts from a clean one.
 *
 * Every limit of ABI §10 is charged here and nowhere else: opening a handle
 * (`connections`, `send_bytes`), a send or datagram (`send_bytes`), a read
 * (`recv_bytes`), an emit (`emits`, `output_bytes`), the return value
 * (`output_bytes`), a log line (`log_bytes`), and the wall time (`wall_ms`,
 * and the budget of each synchronous stretch the CPU watchdog enforces).
 * A charge either answers the host call (`-7`, a dropped line) or throws a
 * coded Trap (traps.ts) that ends the invocation.
 */
export class CallContext {
  readonly startedAt = performance.now();
  readonly deadline: number;
  denied = 0;
  /** Why calls were denied (first few, distinct): what a plugin author needs to fix it. */
  readonly denials: string[] = [];
  bytesSent = 0;
  bytesReceived = 0;
  outputBytes = 0;
  logBytes = 0;
  logsDropped = 0;
  /** Operation counts (ABI A3): each also costs at least MIN_CHARGE bytes of its budget. */
  connects = 0;
  sends = 0;
  logLines = 0;
  #sendCharged = 0;
  #logCharged = 0;
  /**
   * The host error that ended the invocation (a limit, proc_exit, abort).
   * Kept because a guest with wasm exception handling can catch it with
   * `catch_all`: the invocation still ends with it, and every later host
   * call throws it again.
   */
  fatal: Error | undefined;
  readonly logs: LogLine[] = [];
  readonly emitted: Record<string, unknown>[] = [];
  memory: WebAssembly.Memory | undefined;
  /** Set when the invocation has ended (later guest calls, e.g. cleanup, have no wall time). */
  finished = false;
  #wallTimer: NodeJS.Timeout | undefined;
  #wall: Promise<never> | undefined;

  constructor(
    readonly id: number,
    readonly manifest: PluginManifest,
    readonly limits: Limits,
    readonly target: InvocationTarget | undefined,
    readonly scope: Scope,
    readonly handles: HandleTable,
    readonly onEmit: (record: Record<string, unknown>) => void,
  ) {
    this.deadline = this.startedAt + limits.wall_ms;
  }

  hasCapability(c: string): boolean {
    return this.manifest.capabilities.includes(c);
  }

  /** Milliseconds of wall time left (never negative). */
  remainingMs(): number {
    return Math.max(0, this.deadline - performance.now());
  }

  /** ABI §4: 0 or less = 5 s default; always clamped to the wall time left. */
  timeoutMs(requested: number): number {
    const t = requested > 0 ? requested : 5000;
    return Math.max(1, Math.min(t, Math.ceil(this.remainingMs())));
  }

  wallExceeded(): LimitExceeded {
    return new LimitExceeded('wall_ms', `wall time limit of ${this.limits.wall_ms} ms exceeded`);
  }

  /** Before guest code runs again after a wait: a wait clamped to the wall time may finish just as it runs out, and the wall wins. */
  checkWall(): void {
    if (this.remainingMs() < 1) throw this.wallExceeded();
  }

  /**
   * The budget of the synchronous stretch about to run, for the CPU
   * watchdog: `cpu_ms`, or the wall time left when that is shorter (`kind`
   * says which limit a stretch past it hits); `deadline` is the wall
   * deadline on the performance clock (0 once the invocation has ended:
   * cleanup code has no wall time, only cpu_ms).
   */
  stretch(): { budget: number; kind: 'cpu_ms' | 'wall_ms'; deadline: number } {
    const left = this.finished ? Infinity : this.remainingMs();
    const cpu = this.limits.cpu_ms;
    return { budget: Math.min(cpu, left), kind: cpu <= left ? 'cpu_ms' : 'wall_ms', deadline: this.finished ? 0 : this.deadline };
  }

  /** Rejects when the invocation's wall time runs out; raced against every wait. */
  wall(): Promise<never> {
    if (!this.#wall) {
      this.#wall = new Promise<never>((_, reject) => {
        this.#wallTimer = setTimeout(
          () => reject(this.wallExceeded()),
          this.remainingMs(),
        );
      });
      this.#wall.catch(() => {});
    }
    return this.#wall;
  }

  /** Guest bytes [ptr, ptr+len) as a live view, or undefined when out of bounds. */
  view(ptr: number, len: number): Uint8Array | undefined {
    const buf = this.memory?.buffer;
    if (!buf) return undefined;
    const p = ptr >>> 0;
    const l = len >>> 0;
    if (len < 0 || p + l > buf.byteLength) return undefined;
    return new Uint8Array(buf, p, l);
  }

  /** Copies `data` to the guest; returns false when [ptr, ptr+len) is outside memory. */
  write(ptr: number, data: Uint8Array): boolean {
    const v = this.view(ptr, data.length);
    if (!v) return false;
    v.set(data);
    return true;
  }

  /** Keeps a log line unless `log_bytes` is spent (each line costs at least MIN_CHARGE). */
  log(level: number, message: string, byteLength: number): void {
    const cost = Math.max(byteLength, MIN_CHARGE);
    if (this.#logCharged + cost > this.limits.log_bytes) {
      this.logsDropped++;
      return;
    }
    this.#logCharged += cost;
    this.logBytes += byteLength;
    this.logLines++;
    this.logs.push({ level: Math.min(3, Math.max(0, level | 0)), message });
  }

  /** Counts a denied call (ABI §6) and keeps its reason; returns EDENIED for the caller. */
  deny(why: string): number {
    this.denied++;
    if (this.denials.length < 8 && !this.denials.includes(why)) this.denials.push(why);
    return E.DENIED;
  }

  /**
   * Charges a send (TCP) or datagram (UDP) of `n` bytes: returns how many of
   * them may go (counted as sent), or undefined when `send_bytes` is spent.
   */
  chargeSend(n: number): number | undefined {
    const left = this.limits.send_bytes - this.#sendCharged;
    if (left <= 0) return undefined;
    const allowed = Math.min(n, left);
    this.#sendCharged += Math.max(allowed, MIN_CHARGE);
    this.sends++;
    this.bytesSent += allowed;
    return allowed;
  }

  /**
   * Charges opening a connection or UDP socket: a handle of `connections`
   * (opens in progress count) and MIN_CHARGE of `send_bytes`. Returns 0, or
   * ELIMIT for the host call to return when either is spent.
   */
  chargeOpen(): number {
    if (this.handles.size >= this.limits.connections) return E.LIMIT;
    if (this.#sendCharged >= this.limits.send_bytes) return E.LIMIT;
    this.#sendCharged += MIN_CHARGE;
    this.connects++;
    return 0;
  }

  /**
   * Charges a read of at most `cap` bytes against `recv_bytes`: `read` gets
   * how many it may take and returns how many it took (or an ABI error code).
   * Returns ELIMIT without reading when `recv_bytes` is spent.
   */
  chargeRecv(cap: number, read: (max: number) => number): number {
    const left = this.limits.recv_bytes - this.bytesReceived;
    if (left <= 0) return E.LIMIT;
    const n = read(Math.min(cap, left));
    if (n > 0) this.bytesReceived += n;
    return n;
  }

  /** Charges one emitted map of `n` bytes; throws when `emits` or `output_bytes` is passed. */
  chargeEmit(n: number): void {
    if (this.emitted.length >= this.limits.emits) throw this.raise(new LimitExceeded('emits', `emit limit of ${this.limits.emits} maps exceeded`));
    this.chargeOutput(Math.max(n, MIN_CHARGE));
  }

  /** Records `e` as the error that ends the invocation and returns it, to throw. */
  raise<E extends Error>(e: E): E {
    this.fatal ??= e;
    return e;
  }

  /** Counts output bytes; throws when the invocation's output limit is passed. */
  chargeOutput(n: number): void {
    if (this.outputBytes + n > this.limits.output_bytes)
      throw this.raise(new LimitExceeded('output_bytes', `output limit of ${this.limits.output_bytes} bytes exceeded`));
    this.outputBytes += n;
  }

  /** Releases the invocation's timers and sockets. */
  finish(): void {
    this.finished = true;
    clearTimeout(this.#wallTimer);
    this.handles.closeAll();
  }
}

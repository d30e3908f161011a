import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';

/**
 * CPU time of a worker thread, for the watchdog: `cpu_ms` counts the time a
 * plugin computed, not the wall time of its stretch, so a worker preempted
 * by other processes on a loaded machine is not stopped for time it did not
 * run. Linux only: each worker learns its kernel thread id from
 * `/proc/thread-self` and publishes it in its heartbeat; the main thread
 * reads `/proc/self/task/TID/schedstat` (first field: nanoseconds on a CPU)
 * through a descriptor it keeps open (a read at offset 0 regenerates the
 * text). Elsewhere, or once a read fails, wall time stands in, which is the
 * stricter measure.
 */

/** The calling thread's kernel thread id, or 0 where /proc/thread-self does not exist. */
export function kernelThreadId(): number {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}

export class ThreadCpuClock {
  readonly #buf = Buffer.alloc(96);
  #fd: number | undefined;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** A clock for thread `tid` of this process, or undefined when it cannot be read. */
  static open(tid: number): ThreadCpuClock | undefined {
    if (!(tid > 0)) return undefined;
    let clock: ThreadCpuClock;
    try {
      clock = new ThreadCpuClock(openSync(`/proc/self/task/${tid}/schedstat`, 'r'));
    } catch {
      return undefined;
    }
    return clock.read() === undefined ? undefined : clock;
  }

  /** Milliseconds the thread has spent on a CPU, or undefined once it is gone. */
  read(): number | undefined {
    if (this.#fd === undefined) return undefined;
    try {
      const n = readSync(this.#fd, this.#buf, 0, this.#buf.length, 0);
      const sp = this.#buf.indexOf(32);
      const ns = Number(this.#buf.toString('latin1', 0, sp > 0 && sp < n ? sp : n));
      if (Number.isFinite(ns)) return ns / 1e6;
    } catch {
      /* the thread exited */
    }
    this.close();
    return undefined;
  }

  close(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      /* already closed */
    }
    this.#fd = undefined;
  }
}

/**
 * The watchdog's measure of one worker's current guest stretch. The thread
 * clock is read the second time the watchdog sees the same stretch (the
 * wall time before that read, at most two ticks, counts as CPU time,
 * conservatively) and again only once the stretch has run past its budget
 * in wall time: the short stretches of a busy worker cost no read at all,
 * and the worker's own hot path never makes one.
 */
export class StretchMeter {
  #clock: ThreadCpuClock | undefined;
  #opened = false;
  #start = 0;
  #sampled = false;
  #before = 0;
  #firstCpu: number | undefined;

  /**
   * Milliseconds of CPU time used by the stretch that began at `start`
   * (epoch ms) by `t`, on thread `tid`; its wall time when the thread's
   * clock cannot be read. Never more than the wall time.
   */
  used(tid: number, start: number, t: number, budget: number): number {
    const wall = t - start;
    if (start !== this.#start) {
      this.#start = start;
      this.#sampled = false;
      this.#firstCpu = undefined;
    } else if (!this.#sampled) {
      this.#sampled = true;
      this.#before = wall;
      this.#firstCpu = this.#open(tid)?.read();
    }
    if (wall <= budget || this.#firstCpu === undefined) return wall;
    const cpu = this.#clock?.read();
    return cpu === undefined ? wall : Math.min(wall, this.#before + (cpu - this.#firstCpu));
  }

  close(): void {
    this.#clock?.close();
    this.#clock = undefined;
  }

  #open(tid: number): ThreadCpuClock | undefined {
    if (!this.#opened && tid > 0) {
      this.#opened = true;
      this.#clock = ThreadCpuClock.open(tid);
    }
    return this.#clock;
  }
}

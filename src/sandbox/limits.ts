import { UsageError } from '../errors.js';
import type { Limits } from './types.js';

/**
 * ABI §10 defaults. Each is overridable by the user (raise or lower) and
 * lowerable by the plugin manifest; a manifest value above the user's is
 * clamped to it (a plugin can never raise a limit).
 */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  memory_mb: 64, // memory max is capped at load; memory.grow past it returns -1
  cpu_ms: 1000, // longest synchronous stretch; the worker is stopped
  wall_ms: 10_000, // whole invocation, waits included
  connections: 16, // open handles at once; the next open returns -7
  send_bytes: 1 << 20, // per invocation; send returns -7
  recv_bytes: 4 << 20, // per invocation; recv returns -7
  output_bytes: 1 << 20, // return value + emits; the invocation fails
  log_bytes: 64 << 10, // further lines dropped and counted
  emits: 256, // emitted maps per invocation; the next one ends it
});

/**
 * Every operation costs at least this many bytes of its budget (a send or
 * datagram of send_bytes, a log line of log_bytes, an emit of output_bytes),
 * so empty items cannot be repeated for free.
 */
export const MIN_CHARGE = 64;

export const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/** Largest accepted value per key: keeps arithmetic and timers sane. */
const CEILING: Limits = {
  memory_mb: 2048, // keeps every guest address below 2^31: a positive i32 in the host
  cpu_ms: 3_600_000,
  wall_ms: 86_400_000,
  connections: 65_536,
  send_bytes: 2 ** 40,
  recv_bytes: 2 ** 40,
  output_bytes: 1 << 30,
  log_bytes: 1 << 30,
  emits: 1 << 20,
};

/** Why `value` is not a valid setting for `key`, or undefined when it is. */
export function limitProblem(key: string, value: unknown): string | undefined {
  if (!(LIMIT_KEYS as string[]).includes(key)) return `unknown limit "${key}" (known: ${LIMIT_KEYS.join(', ')})`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) return `limit "${key}" must be a positive integer`;
  if (value > CEILING[key as keyof Limits]) return `limit "${key}" must be at most ${CEILING[key as keyof Limits]}`;
  return undefined;
}

/**
 * `KEY=VALUE` limit settings from the command line, for every command that
 * takes them (`scan --plugin-limit`, `plugin test --limit`): the value is a
 * whole number in the unit its key names (`_ms` milliseconds, `_mb` MiB,
 * `_bytes` bytes, the others a count), checked here against the keys and
 * ranges above. Throws a UsageError naming `flag` and the setting.
 */
export function parseLimitFlags(items: readonly string[], flag: string): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const item of items) {
    const m = /^([a-z_]+)=(\d+)$/.exec(item.trim());
    if (!m) throw new UsageError(`bad ${flag} '${item}': expected KEY=INTEGER, e.g. wall_ms=2000`);
    const [, key, text] = m as unknown as [string, string, string];
    const problem = limitProblem(key, Number(text));
    if (problem) throw new UsageError(`bad ${flag} '${item}': ${problem}`);
    out[key as keyof Limits] = Number(text);
  }
  return out;
}

/**
 * Limits in force for a plugin: defaults, then the user's overrides, then the
 * manifest, which can only lower them.
 */
export function resolveLimits(user: Partial<Limits> | undefined, manifest: Partial<Limits> | undefined): Limits {
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(user ?? {})) {
    const p = limitProblem(k, (user as Record<string, unknown>)[k]);
    if (p && (user as Record<string, unknown>)[k] !== undefined) throw new UsageError(p);
  }
  for (const k of LIMIT_KEYS) {
    const u = user?.[k];
    if (u !== undefined) out[k] = u;
    const m = manifest?.[k];
    if (m !== undefined && m < out[k]) out[k] = m;
  }
  return out;
}

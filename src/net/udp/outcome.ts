/**
 * How what the kernel tells a connected UDP socket maps to nmap's UDP states.
 * Linux reports ICMP errors for a connected UDP socket as the socket's error
 * on the next recvmsg/send (Node emits it as an `error` event): port
 * unreachable is ECONNREFUSED; administratively prohibited is EHOSTUNREACH
 * (IPv4) or EACCES (IPv6); protocol unreachable is ENOPROTOOPT. Linux only
 * reports these "hard" ICMP errors: host and network unreachable are soft
 * errors, visible only with IP_RECVERR, which node:dgram cannot set, so a
 * port behind them reads as silence (`open|filtered`, where nmap says
 * `filtered`). Local no-route errors on send are still EHOSTUNREACH/ENETUNREACH.
 */
import type { PortState, StateReason } from '../../model/event.js';

export type Verdict =
  | { kind: 'state'; state: PortState; reason: StateReason }
  /** our side ran out of something (fds, buffers): try the probe again later */
  | { kind: 'resource'; code: string };

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ENOPROTOOPT', 'EACCES', 'EPERM']);
const RESOURCE = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRINUSE']);

export function errnoOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

export function verdictOf(code: string): Verdict {
  if (code === 'ECONNREFUSED') return { kind: 'state', state: 'closed', reason: 'port-unreach' };
  if (UNREACHABLE.has(code)) return { kind: 'state', state: 'filtered', reason: 'unreachable' };
  if (RESOURCE.has(code)) return { kind: 'resource', code };
  // Anything else is our failure, not the target's answer; say so.
  return { kind: 'state', state: 'filtered', reason: 'error' };
}

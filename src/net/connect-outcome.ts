/**
 * How a connect's outcome maps to a port state. Codes are small integers so
 * results cross the worker boundary as flat number arrays.
 */
import type { PortState, StateReason } from '../model/event.js';
import type { ConnectOutcome } from './tcp-connect.js';

export const enum Outcome {
  Open = 0,        // SYN-ACK: the handshake completed
  Closed = 1,      // RST: connection refused
  Timeout = 2,     // nothing came back in time
  Unreachable = 3, // ICMP unreachable / no route
  Error = 4,       // anything else the kernel said
  Resource = 5,    // our side ran out of something (fds, ephemeral ports): try again later
}

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EACCES', 'EPERM']);
const RESOURCE = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EAGAIN', 'EADDRNOTAVAIL', 'EADDRINUSE']);

export function classify(outcome: ConnectOutcome): Outcome {
  if (outcome === 0) return Outcome.Open;
  if (outcome === 'ECONNREFUSED' || outcome === 'ECONNRESET') return Outcome.Closed;
  if (outcome === 'ETIMEDOUT') return Outcome.Timeout;
  if (UNREACHABLE.has(outcome)) return Outcome.Unreachable;
  if (RESOURCE.has(outcome)) return Outcome.Resource;
  return Outcome.Error;
}

export function stateOf(o: Outcome): { state: PortState; reason: StateReason } {
  switch (o) {
    case Outcome.Open: return { state: 'open', reason: 'syn-ack' };
    case Outcome.Closed: return { state: 'closed', reason: 'conn-refused' };
    case Outcome.Timeout: return { state: 'filtered', reason: 'timeout' };
    case Outcome.Unreachable: return { state: 'filtered', reason: 'unreachable' };
    default: return { state: 'filtered', reason: 'error' };
  }
}

/** ABI §8 error codes returned by `wasmap.*` host functions. */
export const E = {
  INVAL: -1,
  DENIED: -2,
  TIMEDOUT: -3,
  CONNREFUSED: -4,
  CONNRESET: -5,
  BADF: -6,
  LIMIT: -7,
  UNREACH: -8,
  TLS: -9,
  IO: -10,
} as const;

/** WASI preview1 errno values used by the deny-by-default context (ABI §5). */
export const WASI_ERRNO = {
  SUCCESS: 0,
  BADF: 8,
  FAULT: 21,
  INVAL: 28,
  NOSYS: 52,
} as const;

/** Maps a Node socket error to an ABI code. */
export function netErrno(err: unknown): number {
  const code = (err as { code?: string } | null)?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED': return E.CONNREFUSED;
    case 'ECONNRESET': case 'EPIPE': return E.CONNRESET;
    case 'ETIMEDOUT': return E.TIMEDOUT;
    case 'EHOSTUNREACH': case 'ENETUNREACH': case 'ENOTFOUND': case 'EAI_AGAIN': case 'EADDRNOTAVAIL': return E.UNREACH;
    default: return E.IO;
  }
}

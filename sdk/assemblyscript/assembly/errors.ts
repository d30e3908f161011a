// ABI §8 error codes: every host function returns one of these (negative)
// on failure. Names match the ABI text so log lines can be grepped.
import {
  STATUS_APPLICATION_ERROR, STATUS_CONNECTION_REFUSED, STATUS_CONNECTION_TIMEOUT, STATUS_IO_TIMEOUT, STATUS_PROTOCOL_ERROR,
  STATUS_UNKNOWN_ERROR,
} from "./status";

export const EINVAL: i32 = -1;
export const EDENIED: i32 = -2;
export const ETIMEDOUT: i32 = -3;
export const ECONNREFUSED: i32 = -4;
export const ECONNRESET: i32 = -5;
export const EBADF: i32 = -6;
export const ELIMIT: i32 = -7;
export const EUNREACH: i32 = -8;
export const ETLS: i32 = -9;
export const EIO: i32 = -10;

/** `"ECONNREFUSED"` for -4, `"E?-42"` for a code outside the ABI. */
export function errorName(code: i32): string {
  switch (code) {
    case EINVAL: return "EINVAL";
    case EDENIED: return "EDENIED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EBADF: return "EBADF";
    case ELIMIT: return "ELIMIT";
    case EUNREACH: return "EUNREACH";
    case ETLS: return "ETLS";
    case EIO: return "EIO";
  }
  return "E?" + code.toString();
}

/**
 * The ABI §7 status that best describes a failed host call, so a scanner can
 * write `out.status = statusForError(sock.error)`. `connecting` tells a
 * connect timeout from a read timeout.
 */
export function statusForError(code: i32, connecting: bool = false): string {
  switch (code) {
    case ECONNREFUSED: return STATUS_CONNECTION_REFUSED;
    case ETIMEDOUT: return connecting ? STATUS_CONNECTION_TIMEOUT : STATUS_IO_TIMEOUT;
    case EUNREACH: return STATUS_CONNECTION_TIMEOUT;
    case ECONNRESET:
    case ETLS: return STATUS_PROTOCOL_ERROR;
    case EDENIED:
    case ELIMIT: return STATUS_APPLICATION_ERROR;
  }
  return STATUS_UNKNOWN_ERROR;
}

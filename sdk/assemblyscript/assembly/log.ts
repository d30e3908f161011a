// Plugin log (ABI §4 `log`): lines end up in the invocation's `logs` and,
// depending on verbosity, on the user's terminal. Needs no capability.
import { host_log } from "./host";

export const LOG_DEBUG: i32 = 0;
export const LOG_INFO: i32 = 1;
export const LOG_WARN: i32 = 2;
export const LOG_ERROR: i32 = 3;

export function log(level: i32, message: string): void {
  const b = String.UTF8.encode(message);
  host_log(level, changetype<usize>(b), b.byteLength);
}

export function logDebug(message: string): void { log(LOG_DEBUG, message); }
export function logInfo(message: string): void { log(LOG_INFO, message); }
export function logWarn(message: string): void { log(LOG_WARN, message); }
export function logError(message: string): void { log(LOG_ERROR, message); }

/**
 * The browser host service's messages (ABI A12): a worker's `browse` host
 * call asks the pool's main thread, which owns the one Chromium, over a
 * MessagePort of its own. Plain data only (structured clone).
 */

/** A render the worker has already checked against the invocation's scope. */
export interface RenderRequest {
  rid: number;
  /** http(s) URL whose host is the target's IP or its scanned hostname, and whose port is the target's. */
  url: string;
  /** Where every connection of the page goes: the target's IP and port. */
  ip: string;
  port: number;
  /** Names the page may use for the target (its IP, its hostname as scanned). */
  names: string[];
  width: number;
  height: number;
  /** Largest image returned: PNG when it fits, else JPEG, else ELIMIT. */
  maxBytes: number;
  /** The whole render, queueing and a first launch included. */
  timeoutMs: number;
}

export interface RenderResult {
  /** URL of the page as it ended (redirects, script navigation). */
  url: string;
  /** HTTP status of the main document, 0 when there was none. */
  status: number;
  title: string;
  format: 'png' | 'jpeg';
  image: Uint8Array;
  width: number;
  height: number;
  /** Requests of the page the scope refused (other host or port). */
  blocked: number;
  /** The first of them, as the page asked. */
  blockedUrls: string[];
}

export type RenderReply =
  | { rid: number; ok: RenderResult }
  /** `code`: an ABI §8 error code; `message` goes to the plugin log. */
  | { rid: number; code: number; message: string };

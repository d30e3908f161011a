// Telnet option negotiation (RFC 854 commands, RFC 855 options; names from
// the IANA telnet-options registry): splits what a server sent into its
// text and its IAC sequences. A pure function over the bytes so far, so
// every cut or hostile stream can be fed to it directly (test/harness).

import { utf8Lenient } from "@wasmap/sdk-assemblyscript";

export const IAC: u8 = 255;
export const DONT: u8 = 254;
export const DO: u8 = 253;
export const WONT: u8 = 252;
export const WILL: u8 = 251;
export const SB: u8 = 250;
export const SE: u8 = 240;

/** A longer subnegotiation (IAC SB … IAC SE) is refused (real ones are < 100 bytes). */
export const MAX_SUBNEGOTIATION: i32 = 1024;

export class Negotiation {
  constructor(public verb: u8, public option: u8) {}
}

export class Parsed {
  /** The text bytes (IAC sequences removed, IAC IAC kept as one 255, NUL dropped), at most `maxText`. */
  text: u8[] = [];
  /** Text bytes beyond `maxText`, not kept. */
  textDropped: i32 = 0;
  /** Every WILL/WONT/DO/DONT, in order, repeats included. */
  negotiations: Negotiation[] = [];
  /** Options the server opened a subnegotiation for (IAC SB <option>). */
  subnegotiations: u8[] = [];
  /** The stream ends inside an IAC sequence (more bytes will complete it). */
  cut: bool = false;
  /** Why the stream was refused; empty when it was not. */
  error: string = "";
}

/** Parses the whole stream so far; keeps at most `maxText` text bytes. */
export function parseTelnet(buf: Uint8Array, maxText: i32): Parsed {
  const p = new Parsed();
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i];
    if (b != IAC) {
      if (b != 0) {
        if (p.text.length < maxText) p.text.push(b);
        else p.textDropped++;
      }
      i++;
      continue;
    }
    if (i + 1 >= n) { p.cut = true; break; }
    const cmd = buf[i + 1];
    if (cmd == IAC) { // an escaped 255 data byte
      if (p.text.length < maxText) p.text.push(IAC);
      else p.textDropped++;
      i += 2;
    } else if (cmd >= WILL) { // WILL WONT DO DONT <option>
      if (i + 2 >= n) { p.cut = true; break; }
      p.negotiations.push(new Negotiation(cmd, buf[i + 2]));
      i += 3;
    } else if (cmd == SB) {
      // IAC SB <option> … IAC SE; an IAC inside is doubled
      let j = i + 2;
      let end = -1;
      while (j + 1 < n && j - i <= MAX_SUBNEGOTIATION) {
        if (buf[j] == IAC && buf[j + 1] == SE) { end = j; break; }
        j += buf[j] == IAC ? 2 : 1;
      }
      if (end < 0) {
        if (j - i > MAX_SUBNEGOTIATION) { p.error = "subnegotiation longer than " + MAX_SUBNEGOTIATION.toString() + " bytes"; break; }
        p.cut = true;
        break;
      }
      if (end > i + 2) p.subnegotiations.push(buf[i + 2]);
      i = end + 2;
    } else {
      // NOP, GA, DM, BRK, IP, AO, AYT, EC, EL, EOR, …: no operand, nothing to keep
      i += 2;
    }
  }
  return p;
}

/** The text as UTF-8 (lenient), CRLF and lone CR as "\n". */
export function bannerText(p: Parsed): string {
  const b = new Uint8Array(p.text.length);
  for (let i = 0; i < p.text.length; i++) b[i] = p.text[i];
  return utf8Lenient(b, 0, b.length).replaceAll("\r\n", "\n").replaceAll("\r", "\n");
}

/** The IANA name of a telnet option, or "" when it has none here. */
export function optionName(o: i32): string {
  switch (o) {
    case 0: return "binary";
    case 1: return "echo";
    case 2: return "reconnection";
    case 3: return "suppress-go-ahead";
    case 4: return "approx-message-size";
    case 5: return "status";
    case 6: return "timing-mark";
    case 7: return "rcte";
    case 8: return "output-line-width";
    case 9: return "output-page-size";
    case 10: return "output-cr-disposition";
    case 11: return "output-horizontal-tab-stops";
    case 12: return "output-horizontal-tab-disposition";
    case 13: return "output-formfeed-disposition";
    case 14: return "output-vertical-tabstops";
    case 15: return "output-vertical-tab-disposition";
    case 16: return "output-linefeed-disposition";
    case 17: return "extended-ascii";
    case 18: return "logout";
    case 19: return "byte-macro";
    case 20: return "data-entry-terminal";
    case 21: return "supdup";
    case 22: return "supdup-output";
    case 23: return "send-location";
    case 24: return "terminal-type";
    case 25: return "end-of-record";
    case 26: return "tacacs-user-identification";
    case 27: return "output-marking";
    case 28: return "terminal-location-number";
    case 29: return "telnet-3270-regime";
    case 30: return "x3-pad";
    case 31: return "window-size";
    case 32: return "terminal-speed";
    case 33: return "remote-flow-control";
    case 34: return "linemode";
    case 35: return "x-display-location";
    case 36: return "environment";
    case 37: return "authentication";
    case 38: return "encryption";
    case 39: return "new-environment";
    case 40: return "tn3270e";
    case 41: return "xauth";
    case 42: return "charset";
    case 43: return "telnet-rsp";
    case 44: return "com-port-control";
    case 45: return "suppress-local-echo";
    case 46: return "start-tls";
    case 47: return "kermit";
    case 48: return "send-url";
    case 49: return "forward-x";
    case 138: return "telopt-pragma-logon";
    case 139: return "telopt-sspi-logon";
    case 140: return "telopt-pragma-heartbeat";
    case 255: return "extended-options-list";
    default: return "";
  }
}

/** The reply that refuses a request: DO → WONT, WILL → DONT; 0 for WONT/DONT (never answered). */
export function refusal(verb: u8): u8 {
  if (verb == DO) return WONT;
  if (verb == WILL) return DONT;
  return 0;
}

// Telnet (RFC 854): servers open with option negotiation, IAC (0xff) then
// WILL/WONT/DO/DONT (0xfb-0xfe) and an option byte.
import { Service } from "@wasmap/sdk-assemblyscript";
import { service } from "./text";

export function matchTelnet(b: Uint8Array): Service | null {
  if (b.length < 3 || b[0] != 0xff || b[1] < 0xfb || b[1] > 0xfe) return null;
  let commands = 0;
  for (let i = 0; i + 2 < b.length && b[i] == 0xff && b[i + 1] >= 0xfb && b[i + 1] <= 0xfe; i += 3) commands++;
  const s = service("telnet", "", "", 0.9, "", "");
  s.extrainfo = commands.toString() + " option negotiations";
  return s;
}

/**
 * Text from a scan, made safe for HTML. Plugins, banners and peers are
 * untrusted: every string reaches the page only through `esc`, which makes
 * markup characters entities (text and quoted attributes alike) and shows
 * control and bidi characters visibly, as the terminal does
 * (terminal-text.ts), so a title cannot read differently from what it is.
 */
import { linesForTerminal } from '../terminal-text.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return linesForTerminal(String(v ?? '')).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

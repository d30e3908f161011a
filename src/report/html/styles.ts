/** The report's stylesheet, inlined (no fonts or files to fetch); the page's CSP allows it by hash. */
export const STYLES = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #5b636d; --line: #d6dae0; --panel: #f5f7fa;
  --critical: #7a1020; --high: #c4202e; --medium: #c76a00; --low: #2f6fb5; --info: #5b636d; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171b; --fg: #e4e7eb; --muted: #9aa3ad; --line: #2e343b; --panel: #1c2026; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, sans-serif; }
header, nav, main, .errors { padding: 12px 20px; }
header { border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 0 0 8px; font-family: ui-monospace, monospace; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 8px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.interrupted { background: var(--medium); color: #fff; padding: 6px 10px; border-radius: 4px; margin: 0 0 8px; font-weight: 600; }
.counts { display: flex; gap: 6px; flex-wrap: wrap; margin: 6px 0; }
.badge { display: inline-block; min-width: 64px; text-align: center; padding: 1px 6px; border-radius: 3px; color: #fff; font-size: 11px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; background: var(--info); }
.sev-critical { background: var(--critical); } .sev-high { background: var(--high); } .sev-medium { background: var(--medium); }
.sev-low { background: var(--low); } .sev-info { background: var(--info); }
table.plugins { border-collapse: collapse; margin-top: 6px; }
table.plugins td, table.plugins th { border-bottom: 1px solid var(--line); padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
nav { position: sticky; top: 0; z-index: 1; display: flex; gap: 10px; flex-wrap: wrap; align-items: center; background: var(--bg); border-bottom: 1px solid var(--line); }
nav label { color: var(--muted); }
nav input[type=search] { min-width: 240px; }
#f-count { color: var(--muted); margin-left: auto; }
section.host { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin: 0 0 14px; }
.hostname { color: var(--muted); font-weight: normal; }
article.port { border-top: 1px solid var(--line); padding: 8px 0; }
.head { display: flex; gap: 14px; align-items: baseline; flex-wrap: wrap; }
.head .where { font-weight: 700; min-width: 90px; }
.state-open { color: #1a7f37; } .state-closed, .state-filtered { color: var(--muted); }
.muted { color: var(--muted); }
.banner { margin: 4px 0 0; white-space: pre-wrap; word-break: break-all; color: var(--muted); }
ul.results, ul.findings { list-style: none; margin: 6px 0 0; padding: 0 0 0 18px; }
ul.results li { margin: 2px 0; }
details > summary { cursor: pointer; }
.status-error, .error { color: var(--high); }
pre.data { max-height: 320px; overflow: auto; background: var(--panel); border: 1px solid var(--line); padding: 6px 8px; margin: 4px 0; white-space: pre-wrap; word-break: break-all; }
img.shot { display: block; max-width: min(100%, 800px); border: 1px solid var(--line); margin: 6px 0; }
li.finding { margin: 3px 0; }
li.finding .evidence { display: block; margin-left: 74px; color: var(--muted); word-break: break-word; }
#empty { color: var(--muted); font-style: italic; }
`;

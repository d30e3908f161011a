// Regex harness: compiles every `patterns[i]` (hex of latin1 bytes) with
// `flags[i]`, runs it on every shared subject then on its own ones, and
// returns only what the test compares: compile errors, group counts, and
// each match or abort as [pattern, subject, aborted, captures].
import { ArrayWriter, Input, MapWriter, Output, register } from "@wasmap/sdk-assemblyscript";
import { compileError, compileRegex, maxSteps } from "../../../assembly/pcre";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function unhex(h: string): string {
  const n = h.length >> 1;
  let out = "";
  const codes = new Array<i32>(n);
  for (let i = 0; i < n; i++) codes[i] = <i32>parseInt(h.substr(i * 2, 2), 16);
  for (let i = 0; i < n; i++) out += String.fromCharCode(codes[i]);
  return out;
}

function run(input: Input): Output {
  maxSteps = <i32>input.config.getInt("max_steps", 100000);
  const patterns = input.config.getStringList("patterns");
  const flags = input.config.getStringList("flags");
  const shared = input.config.getStringList("subjects");
  const own = input.config.getStringList("own");
  const start = <i32>input.config.getInt("start", 0);
  const subjects = new Array<string>(shared.length);
  for (let i = 0; i < shared.length; i++) subjects[i] = unhex(shared[i]);
  const errors = new Array<string>(patterns.length);
  const groups = new ArrayWriter();
  const results = new ArrayWriter();
  for (let p = 0; p < patterns.length; p++) {
    const re = compileRegex(unhex(patterns[p]), p < flags.length ? flags[p] : "");
    if (re === null) { errors[p] = compileError(); groups.int(-1); continue; }
    errors[p] = "";
    groups.int(re.groupCount);
    const mine = p < own.length && own[p].length > 0 ? own[p].split(",") : new Array<string>(0);
    for (let s = 0; s < subjects.length + mine.length; s++) {
      const subject = s < subjects.length ? subjects[s] : unhex(mine[s - subjects.length]);
      const caps = re.exec(subject, start);
      if (caps === null && !re.aborted) continue;
      const row = new ArrayWriter().int(p).int(s).bool(re.aborted);
      if (caps !== null) {
        const c = new ArrayWriter();
        for (let g = 0; g < caps.length; g++) c.str(caps[g]);
        row.array(c);
      } else row.nil();
      results.array(row);
    }
  }
  const m = new MapWriter();
  m.strArray("errors", errors).array("groups", groups).array("results", results);
  return new Output().setData(m);
}

register(run);

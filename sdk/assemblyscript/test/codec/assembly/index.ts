// Codec checks, three modes chosen by the input's `mode`:
//   "echo"    → data = the input's `values` decoded and re-encoded by Writer.value
//   "decode"  → data = [error or "ok" for each `docs` entry (bin) given to decode()]
//   "encode"  → data = [bin of each canonical encoding the Writer produces]
//   "pages"   → data = {pages: linear memory pages now, echoed: elements of `values`}
//   "builder" → data = a map built with MapWriter/ArrayWriter, plus service/findings
import {
  ArrayWriter, Finding, Input, MapWriter, Output, SEVERITY_HIGH, Service, Writer,
  decode, decodeError, DecodeLimits, register,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function run(input: Input): Output {
  const out = new Output();
  const mode = input.raw.getString("mode");
  if (mode == "echo") {
    const v = input.get("values");
    if (v === null) return Output.fail("application-error", "no values");
    out.setDataValue(v);
  } else if (mode == "pages") {
    // linear memory size, to show the GC reclaims what earlier invocations used
    const v = input.get("values");
    out.setData(new MapWriter().int("pages", memory.size()).int("echoed", v !== null ? v.length : 0));
  } else if (mode == "decode") {
    const docs = input.raw.getArray("docs");
    const a = new ArrayWriter();
    const limits = new DecodeLimits(<i32>input.raw.getInt("max_depth", 32), <i32>input.raw.getInt("max_items", 1 << 20));
    for (let i = 0; i < docs.length; i++) {
      const b = docs[i].asBytes();
      if (b === null) { a.str("not bin"); continue; }
      const v = decode(b, limits);
      a.str(v === null ? decodeError() : "ok");
    }
    out.setDataArray(a);
  } else if (mode == "encode") {
    const a = new ArrayWriter();
    const ints: i64[] = [0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, i64.MIN_VALUE, i64.MAX_VALUE];
    for (let i = 0; i < ints.length; i++) a.bin(new Writer().int(ints[i]).toBytes());
    a.bin(new Writer().uint(u64.MAX_VALUE).toBytes());
    a.bin(new Writer().str("x".repeat(31)).toBytes());
    a.bin(new Writer().str("x".repeat(32)).toBytes());
    a.bin(new Writer().str("é".repeat(200)).toBytes());
    a.bin(new Writer().str("x".repeat(70000)).toBytes());
    a.bin(new Writer().bin(new Uint8Array(300)).toBytes());
    a.bin(new Writer().arrayHeader(15).arrayHeader(16).arrayHeader(70000).toBytes());
    a.bin(new Writer().mapHeader(15).mapHeader(16).mapHeader(70000).toBytes());
    a.bin(new Writer().float(1.5).nil().bool(true).bool(false).toBytes());
    out.setDataArray(a);
  } else if (mode == "builder") {
    const s = new Service("ssh");
    s.product = "OpenSSH";
    s.version = "9.2p1";
    s.cpe = ["cpe:/a:openbsd:openssh:9.2p1"];
    s.confidence = 0.95;
    out.service = s;
    const f = new Finding("test-finding", "A finding", SEVERITY_HIGH);
    f.evidence = "evidence";
    f.cve = ["CVE-2024-6387"];
    out.addFinding(f);
    const inner = new ArrayWriter().int(1).str("two").nil().bool(true).float(0.25).bin(new Uint8Array(2));
    out.setData(new MapWriter().str("s", "ü ✓").int("neg", -5).uint("big", 18446744073709551615).array("list", inner)
      .map("nested", new MapWriter().strArray("names", ["a", "b"])));
    out.provideString("note", "provided");
  } else {
    return Output.fail("application-error", "unknown mode '" + mode + "'");
  }
  return out;
}

register(run);

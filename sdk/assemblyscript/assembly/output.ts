// One invocation's result (ABI §7): status, error, summary (A8), data, service, findings
// and any `provides` keys, encoded as one msgpack map.
import { cpeUri } from "./cpe";
import { errorName, statusForError } from "./errors";
import { ArrayWriter, MapWriter, Writer } from "./msgpack/writer";
import { Value } from "./msgpack/value";
import { STATUS_SUCCESS } from "./status";

/** ABI §7 `service`: what runs on a port. */
export class Service {
  product: string = "";
  version: string = "";
  cpe: Array<string> = new Array<string>(0);
  /** 0..1; negative = not set. */
  confidence: f64 = -1;
  extrainfo: string = "";
  /** A8: operating system the service revealed. */
  ostype: string = "";
  /** A8: how it was identified (`probe_matching`, `table_default`, …; BinaryEdge's `method`). */
  method: string = "";
  /** A8: name of the probe whose reply matched. */
  probe: string = "";
  /** A8: the reply that matched, as text. */
  banner: string = "";

  constructor(public name: string) {}

  /** `name` run by `product` at `version` ("" = unknown), with `confidence`. */
  static of(name: string, product: string, version: string = "", confidence: f64 = 1.0): Service {
    const s = new Service(name);
    s.product = product;
    s.version = version;
    s.confidence = confidence;
    return s;
  }

  /** Adds the application CPE `cpe:/a:vendor:product[:version]` for this service's version. */
  addCpe(vendor: string, product: string): Service {
    this.cpe.push(cpeUri("a", vendor, product, this.version));
    return this;
  }

  /** As `addCpe`, but only once the version is known (a CPE without one names every release). */
  addVersionCpe(vendor: string, product: string): Service {
    return this.version.length > 0 ? this.addCpe(vendor, product) : this;
  }

  toMap(): MapWriter {
    const m = new MapWriter().str("name", this.name);
    if (this.product.length > 0) m.str("product", this.product);
    if (this.version.length > 0) m.str("version", this.version);
    if (this.cpe.length > 0) m.strArray("cpe", this.cpe);
    if (this.confidence >= 0) m.float("confidence", min(this.confidence, 1.0));
    if (this.extrainfo.length > 0) m.str("extrainfo", this.extrainfo);
    if (this.ostype.length > 0) m.str("ostype", this.ostype);
    if (this.method.length > 0) m.str("method", this.method);
    if (this.probe.length > 0) m.str("probe", this.probe);
    if (this.banner.length > 0) m.str("banner", this.banner);
    return m;
  }
}

/** ABI §7 finding; `severity` is one of the SEVERITY_* constants. */
export class Finding {
  evidence: string = "";
  cve: Array<string> = new Array<string>(0);
  /** The port the finding is about (A8); negative = not set (a scanner's findings default to its port). */
  port: i32 = -1;
  /** "tcp" or "udp", with `port`. */
  transport: string = "";

  constructor(public id: string, public title: string, public severity: string) {}

  /** Where the finding is (A8), e.g. `.at(6379, "tcp")`. */
  at(port: i32, transport: string): Finding { this.port = port; this.transport = transport; return this; }

  toMap(): MapWriter {
    const m = new MapWriter().str("id", this.id).str("title", this.title).str("severity", this.severity);
    if (this.evidence.length > 0) m.str("evidence", this.evidence);
    if (this.cve.length > 0) m.strArray("cve", this.cve);
    if (this.port >= 0) m.int("port", this.port);
    if (this.transport.length > 0) m.str("transport", this.transport);
    return m;
  }
}

export class Output {
  /** One of the STATUS_* constants. */
  status: string = STATUS_SUCCESS;
  error: string = "";
  /** One human line the table prints under the port as `plugin: line` (A8; cut at 200 characters). */
  summary: string = "";
  service: Service | null = null;
  findings: Array<Finding> = new Array<Finding>(0);
  private dataBytes: Uint8Array | null = null;
  private extraKeys: Array<string> = new Array<string>(0);
  private extraValues: Array<Uint8Array> = new Array<Uint8Array>(0);

  /** An output carrying only a status and its reason. */
  static fail(status: string, error: string): Output {
    const o = new Output();
    o.status = status;
    o.error = error;
    return o;
  }

  /** The output for a failed host call: `statusForError`'s status, the ABI §8 code's name as the reason. */
  static ioFail(code: i32, connecting: bool = false): Output {
    return Output.fail(statusForError(code, connecting), errorName(code));
  }

  /** `data` = this map (becomes `result.data` of the event). */
  setData(m: MapWriter): Output { this.dataBytes = m.encode(); return this; }
  setDataArray(a: ArrayWriter): Output { this.dataBytes = a.encode(); return this; }
  setDataValue(v: Value): Output { this.dataBytes = new Writer().value(v).toBytes(); return this; }
  /** `bytes` must be exactly one msgpack value. */
  setDataRaw(bytes: Uint8Array): Output { this.dataBytes = bytes; return this; }

  addFinding(f: Finding): Output { this.findings.push(f); return this; }

  /** A DataContext key the manifest `provides`; `bytes` is one msgpack value. */
  provideRaw(key: string, bytes: Uint8Array): Output {
    for (let i = 0; i < this.extraKeys.length; i++) {
      if (this.extraKeys[i] == key) { this.extraValues[i] = bytes; return this; }
    }
    this.extraKeys.push(key);
    this.extraValues.push(bytes);
    return this;
  }
  provideMap(key: string, m: MapWriter): Output { return this.provideRaw(key, m.encode()); }
  provideArray(key: string, a: ArrayWriter): Output { return this.provideRaw(key, a.encode()); }
  provideString(key: string, v: string): Output { return this.provideRaw(key, new Writer().str(v).toBytes()); }
  provideValue(key: string, v: Value): Output { return this.provideRaw(key, new Writer().value(v).toBytes()); }

  toMap(): MapWriter {
    const m = new MapWriter().str("status", this.status);
    if (this.error.length > 0) m.str("error", this.error);
    if (this.summary.length > 0) m.str("summary", this.summary);
    const d = this.dataBytes;
    if (d !== null) m.raw("data", d);
    const s = this.service;
    if (s !== null) m.map("service", s.toMap());
    if (this.findings.length > 0) {
      const a = new ArrayWriter();
      for (let i = 0; i < this.findings.length; i++) a.map(this.findings[i].toMap());
      m.array("findings", a);
    }
    for (let i = 0; i < this.extraKeys.length; i++) m.raw(this.extraKeys[i], this.extraValues[i]);
    return m;
  }

  encode(): Uint8Array { return this.toMap().encode(); }
}

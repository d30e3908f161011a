// The SDK's JSON reader as plain exports, for sdk/assemblyscript/test/json.test.ts
// (called through @assemblyscript/loader): what it parsed, written back as
// compact JSON, or "error: <why>".
import { Kind, Value, jsonError, parseJson } from "@wasmap/sdk-assemblyscript";

export const Uint8Array_ID = idof<Uint8Array>();

function quote(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}

function write(v: Value): string {
  if (v.kind == Kind.Nil) return "null";
  if (v.kind == Kind.Bool) return v.b ? "true" : "false";
  if (v.kind == Kind.Int) return "i:" + v.i.toString();
  if (v.kind == Kind.Float) return "f:" + v.f.toString();
  if (v.kind == Kind.Str) return quote(v.s);
  const items = v.items!;
  const parts = new Array<string>(0);
  if (v.kind == Kind.Array) {
    for (let i = 0; i < items.length; i++) parts.push(write(items[i]));
    return "[" + parts.join(",") + "]";
  }
  const keys = v.keys!;
  for (let i = 0; i < items.length; i++) parts.push(quote(keys[i]) + ":" + write(items[i]));
  return "{" + parts.join(",") + "}";
}

export function parse(text: string, maxDepth: i32, maxValues: i32): string {
  const v = parseJson(text, maxDepth, maxValues);
  return v === null ? "error: " + jsonError() : write(v);
}

// @wasmap/sdk-assemblyscript: write a wasmap plugin (ABI v1) as one
// `run(input: Input): Output` function. See ../README.md.
export * from "./errors";
export * from "./status";
export * from "./host";
export * from "./log";
export * from "./clock";
export * from "./msgpack/value";
export * from "./msgpack/writer";
export * from "./msgpack/reader";
export * from "./bytes";
export * from "./socket";
export * from "./udp";
export * from "./dns";
export * from "./input";
export * from "./cpe";
export * from "./output";
export * from "./emit";
export * from "./plugin";
export * from "./hash/md5";
export * from "./hash/sha1";
export * from "./hash/sha256";
export * from "./text/ascii";
export * from "./text/utf8";
export * from "./text/base64";
export * from "./random";
export * from "./reply";
export * from "./png";

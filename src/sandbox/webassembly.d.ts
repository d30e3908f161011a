/**
 * The WebAssembly JS API as Node 20 provides it. The project compiles with
 * lib ES2022 only (no DOM), which leaves the global undeclared; this is the
 * subset the sandbox uses. Remove it if tsconfig ever adds lib "DOM".
 */
declare namespace WebAssembly {
  type ImportValue = unknown;
  type Imports = Record<string, Record<string, ImportValue>>;
  type Exports = Record<string, unknown>;
  interface MemoryDescriptor { initial: number; maximum?: number; shared?: boolean }
  class Module {
    constructor(bytes: BufferSource);
    static customSections(module: Module, sectionName: string): ArrayBuffer[];
    static exports(module: Module): { name: string; kind: string }[];
    static imports(module: Module): { module: string; name: string; kind: string }[];
  }
  class Instance {
    constructor(module: Module, importObject?: Imports);
    readonly exports: Exports;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class CompileError extends Error {}
  class LinkError extends Error {}
  class RuntimeError extends Error {}
  /** A wasm exception (exception handling) that left the guest uncaught; not an Error. */
  class Exception {}
  function validate(bytes: BufferSource): boolean;
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(bytes: BufferSource, importObject?: Imports): Promise<{ module: Module; instance: Instance }>;
  function instantiate(module: Module, importObject?: Imports): Promise<Instance>;
}
type BufferSource = ArrayBufferView | ArrayBuffer;

// Package entry for asc's resolver, which looks for `<package>/index.ts`
// (it does not read `ascMain`): `import … from "@wasmap/sdk-assemblyscript"`.
export * from "./assembly/index";

// Types of bin/startupSnapshot.js (plain JavaScript, for bin/fleetd.js).
export interface SnapshotFiles {
  readonly entry: string
  readonly blob: string
  readonly facts: string
}
export interface SnapshotFacts {
  readonly node: string
  readonly nodeSize: number
  readonly nodeMtimeMs: number
  readonly bundleMtimeMs: number
  readonly entry: string
  readonly blobSize: number
}
export declare const snapshotFiles: (root: string) => SnapshotFiles
export declare const snapshotFacts: (nodePath: string, bundle: string, files: SnapshotFiles) => SnapshotFacts
export declare const snapshotCommandLine: (
  root: string,
  bundle: string,
  argv: ReadonlyArray<string>,
  execArgv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
) => ReadonlyArray<string> | undefined

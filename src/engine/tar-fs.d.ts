// The part of tar-fs 2 (dockerode's own tar helper) that buildImage.ts uses.
declare module "tar-fs" {
  import type { Readable } from "node:stream"

  interface TarPack extends Readable {
    entry(header: { name: string; mode?: number; size?: number }, content: string | Buffer): void
    finalize(): void
  }
  interface PackOptions {
    entries?: ReadonlyArray<string>
    umask?: number
    finalize?: boolean
    finish?: (pack: TarPack) => void
  }
  export function pack(cwd: string, options?: PackOptions): TarPack
}

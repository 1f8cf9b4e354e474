/** The regular files of a tar archive (ustar, PAX paths), for asserting what was copied into a container. */
export interface TarFile {
  readonly path: string
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly content: string
}

export const readTar = (archive: Uint8Array): ReadonlyArray<TarFile> => {
  const text = (from: number, width: number) =>
    new TextDecoder().decode(archive.subarray(from, from + width)).replace(/\0.*$/s, "")
  const num = (from: number, width: number) => Number.parseInt(text(from, width).trim() || "0", 8)
  const files: Array<TarFile> = []
  let longPath: string | undefined
  for (let offset = 0; offset + 512 <= archive.length; ) {
    if (archive.subarray(offset, offset + 512).every((b) => b === 0)) break
    const size = num(offset + 124, 12)
    const type = text(offset + 156, 1)
    const body = new TextDecoder().decode(archive.subarray(offset + 512, offset + 512 + size))
    if (type === "x") longPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body)?.[1]
    else {
      files.push({
        path: longPath ?? text(offset, 100),
        mode: num(offset + 100, 8),
        uid: num(offset + 108, 8),
        gid: num(offset + 116, 8),
        content: body,
      })
      longPath = undefined
    }
    offset += 512 + Math.ceil(size / 512) * 512
  }
  return files
}

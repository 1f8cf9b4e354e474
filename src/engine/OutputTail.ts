import { Writable } from "node:stream"
import { maxLogBytes } from "./demuxLogs.ts"

/**
 * Keeps the last bytes a process wrote, however much it writes: a chatty hook must
 * not grow fleetd's memory. Twice the kept size is buffered so the cut can fall on a
 * line boundary.
 */
export class OutputTail {
  private chunks: Array<Buffer> = []
  private size = 0
  private dropped = false

  readonly writable = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.push(chunk)
      done()
    },
  })

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
    if (this.size > 2 * maxLogBytes) {
      const all = Buffer.concat(this.chunks)
      const kept = all.subarray(all.length - 2 * maxLogBytes)
      this.chunks = [kept]
      this.size = kept.length
      this.dropped = true
    }
  }

  /** The tail as text: at most maxLogBytes, cut after a newline when shortened, no final newline. */
  text(): string {
    const all = Buffer.concat(this.chunks)
    const cut = all.length > maxLogBytes || this.dropped
    let text = new TextDecoder("utf-8", { fatal: false }).decode(
      all.subarray(Math.max(0, all.length - maxLogBytes)),
    )
    if (cut) {
      const newline = text.indexOf("\n")
      if (newline >= 0 && newline < text.length - 1) text = text.slice(newline + 1)
    }
    return text.replace(/\n$/, "")
  }
}

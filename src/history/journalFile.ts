import { mkdir, open, readFile, truncate } from "node:fs/promises"
import { dirname } from "node:path"
import { type HistoryEntry, isHistoryEntry } from "./HistoryEntry.ts"
import { writeFileAtomic } from "./writeFileAtomic.ts"

/** A journal file as read: its good entries, and what was wrong with the rest. */
export interface JournalContents {
  /** The valid records, oldest first. */
  readonly entries: ReadonlyArray<HistoryEntry>
  /** The length of the file up to the end of its last valid record (what a repair keeps). */
  readonly goodBytes: number
  /** The file's length as read. */
  readonly size: number
  /** Invalid lines before the last valid one: skipped, left for the next rotation to drop. */
  readonly corrupt: number
}

const parseLine = (line: string): HistoryEntry | undefined => {
  try {
    const value: unknown = JSON.parse(line)
    return isHistoryEntry(value) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * Pure: a journal's bytes → its records. Every record is one line ending in a newline, so
 * anything after the last newline is a torn append; invalid lines after the last valid
 * record are a torn tail too (beyond `goodBytes`); invalid lines between valid ones are
 * counted in `corrupt` and skipped.
 */
export const parseJournal = (bytes: Uint8Array): JournalContents => {
  const entries: Array<HistoryEntry> = []
  const decoder = new TextDecoder()
  let goodBytes = 0
  let invalidSinceGood = 0
  let corrupt = 0
  let start = 0
  for (;;) {
    const end = bytes.indexOf(0x0a, start)
    if (end < 0) break
    const line = decoder.decode(bytes.subarray(start, end)).trim()
    start = end + 1
    if (line === "") continue
    const entry = parseLine(line)
    if (entry === undefined) {
      invalidSinceGood++
      continue
    }
    entries.push(entry)
    corrupt += invalidSinceGood
    invalidSinceGood = 0
    goodBytes = start
  }
  return { entries, goodBytes, size: bytes.length, corrupt }
}

/** Reads a journal; a missing file is an empty journal. */
export const readJournal = async (path: string): Promise<JournalContents> => {
  try {
    return parseJournal(await readFile(path))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { entries: [], goodBytes: 0, size: 0, corrupt: 0 }
    throw error
  }
}

/** Cuts a torn tail off: the file ends with its last valid record again. */
export const truncateJournal = (path: string, length: number) => truncate(path, length)

/**
 * Appends one record as one line with a single write() (O_APPEND), so a crash leaves at
 * most that line torn, never an earlier one; then syncs it to disk.
 */
export const appendRecord = async (path: string, entry: HistoryEntry): Promise<void> => {
  await mkdir(dirname(path), { recursive: true })
  const line = Buffer.from(`${JSON.stringify(entry)}\n`)
  const handle = await open(path, "a")
  try {
    const { bytesWritten } = await handle.write(line)
    if (bytesWritten !== line.length) throw new Error(`short write: ${bytesWritten} of ${line.length} bytes`)
    await handle.datasync()
  } finally {
    await handle.close()
  }
}

/** Replaces the journal with `entries`, atomically (writeFileAtomic). */
export const rewriteJournal = (path: string, entries: ReadonlyArray<HistoryEntry>): Promise<void> =>
  writeFileAtomic(path, entries.map((e) => `${JSON.stringify(e)}\n`).join(""))

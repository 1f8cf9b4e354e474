import { readFile } from "node:fs/promises"
import { Context, Effect, Layer, Ref, Schema } from "effect"
import { writeFileAtomic } from "../history/writeFileAtomic.ts"
import { logEvent } from "../observability/logEvent.ts"
import { emptyNoticeMemory, type NoticeMemory } from "./stateChanges.ts"

/** The file's shape (version 1): NoticeMemory with its maps as objects. */
const StoredNotices = Schema.Struct({
  version: Schema.Literal(1),
  services: Schema.Record(Schema.String, Schema.Literals(["Failed", "RolledBack", "Degraded", "ok"])),
  stalled: Schema.Record(Schema.String, Schema.String),
  applied: Schema.Record(Schema.String, Schema.String),
  failing: Schema.optional(Schema.Struct({ since: Schema.Number, told: Schema.Boolean })),
  rollout: Schema.optional(
    Schema.Struct({ revision: Schema.String, state: Schema.Literals(["pending", "success", "failure"]) }),
  ),
})
const decodeStored = Schema.decodeUnknownOption(StoredNotices)

/** Pure: the memory as the file's text (keys sorted, so an unchanged memory gives the same text). */
export const encodeNotices = (memory: NoticeMemory): string => {
  const sorted = <V>(map: ReadonlyMap<string, V>) =>
    Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return `${JSON.stringify({
    version: 1,
    services: sorted(memory.services),
    stalled: sorted(memory.stalled),
    applied: sorted(memory.applied),
    ...(memory.failing === undefined ? {} : { failing: memory.failing }),
    ...(memory.rollout === undefined ? {} : { rollout: memory.rollout }),
  })}\n`
}

/** Pure: the file's text → the memory, or undefined when it is torn or not a notices file. */
export const decodeNotices = (text: string): NoticeMemory | undefined => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  const stored = decodeStored(value)
  if (stored._tag === "None") return undefined
  const s = stored.value
  return {
    services: new Map(Object.entries(s.services)),
    stalled: new Map(Object.entries(s.stalled)),
    applied: new Map(Object.entries(s.applied)),
    ...(s.failing === undefined ? {} : { failing: s.failing }),
    ...(s.rollout === undefined ? {} : { rollout: s.rollout }),
  }
}

/**
 * What one source's notifications have told, kept across restarts (docs/notifications.md),
 * so a daemon that restarts does not tell again a state it already told.
 */
export class NoticeStore extends Context.Service<
  NoticeStore,
  {
    /** The memory saved last, or the empty one. */
    readonly load: Effect.Effect<NoticeMemory>
    /** Saves the memory when it changed; a failure is logged, never fatal (it costs a repeated message). */
    readonly save: (memory: NoticeMemory) => Effect.Effect<void>
  }
>()("fleetd/notify/NoticeStore") {
  /** Kept in memory only (tests, and a restart within one process). */
  static readonly memory: Layer.Layer<NoticeStore> = Layer.effect(
    NoticeStore,
    Effect.map(Ref.make(emptyNoticeMemory), (ref) =>
      NoticeStore.of({ load: Ref.get(ref), save: (memory) => Ref.set(ref, memory) }),
    ),
  )

  /**
   * In `path`, replaced atomically at each change. A missing file is an empty memory; a
   * torn or invalid one too, with a warning: the worst it costs is a message told again.
   */
  static readonly file = (path: string): Layer.Layer<NoticeStore> =>
    Layer.effect(
      NoticeStore,
      Effect.gen(function* () {
        const read = yield* Effect.promise(() =>
          readFile(path, "utf8").then(
            (text) => ({ text }),
            (error: NodeJS.ErrnoException) => ({
              missing: error.code === "ENOENT",
              error: error.code ?? error.message,
            }),
          ),
        )
        const loaded =
          "text" in read ? decodeNotices(read.text) : read.missing ? emptyNoticeMemory : undefined
        if (loaded === undefined)
          yield* logEvent(
            "Warn",
            "notifications: ignoring the saved state of what was told; it may be told again",
            {
              path,
              error:
                "text" in read ? "not a valid notices file (torn or edited)" : `unreadable (${read.error})`,
            },
          )
        const initial = loaded ?? emptyNoticeMemory
        const written = yield* Ref.make(encodeNotices(initial))
        return NoticeStore.of({
          load: Effect.succeed(initial),
          save: (memory) =>
            Effect.gen(function* () {
              const next = encodeNotices(memory)
              if (next === (yield* Ref.get(written))) return
              yield* Effect.tryPromise(() => writeFileAtomic(path, next)).pipe(
                Effect.andThen(Ref.set(written, next)),
                Effect.catch((error) =>
                  logEvent("Warn", "notifications: cannot save what was told", {
                    path,
                    error: String(error),
                  }),
                ),
              )
            }),
        })
      }),
    )
}

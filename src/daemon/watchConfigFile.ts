import { readFile } from "node:fs/promises"
import { Duration, Effect, Queue } from "effect"
import type { ConfigFileError, LoadedConfig } from "../config/loadConfigFile.ts"
import { logEvent } from "../observability/logEvent.ts"
import { applySources } from "./applySources.ts"
import { Sources } from "./Sources.ts"

/** How often the file is read to see whether it changed (it is small; a stat would miss same-size edits). */
const pollInterval = Duration.seconds(1)

/**
 * Reloads the config file on SIGHUP and when its text changes: a valid file is applied
 * (applySources: added sources start, removed ones stop, changed ones restart); an
 * invalid one is refused, the running configuration stays, and why is logged and shown
 * on `/ready` and `/status` until a reload succeeds. Reloads run one at a time, in order.
 */
export const watchConfigFile = (file: string, reload: Effect.Effect<LoadedConfig, ConfigFileError>) =>
  Effect.gen(function* () {
    const sources = yield* Sources
    const requests = yield* Queue.sliding<string>(1)
    const onHangup = () => Queue.offerUnsafe(requests, "SIGHUP")
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("SIGHUP", onHangup)),
      () => Effect.sync(() => process.off("SIGHUP", onHangup)),
    )
    const read = Effect.promise(() => readFile(file, "utf8").catch(() => undefined))
    let seen = yield* read
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          yield* Effect.sleep(pollInterval)
          const text = yield* read
          if (text !== seen) {
            seen = text
            yield* Queue.offer(requests, "the file changed")
          }
        }),
      ),
    )
    const apply = (why: string) =>
      Effect.gen(function* () {
        const loaded = yield* Effect.result(reload)
        const at = new Date().toISOString()
        if (loaded._tag === "Failure") {
          yield* sources.setConfig((c) => ({ ...c, error: { at, message: loaded.failure.message } }))
          return yield* logEvent("Error", `config reload (${why}) refused; the running configuration stays`, {
            file,
            error: loaded.failure.message,
          })
        }
        yield* applySources(loaded.success.sources)
        yield* sources.setConfig(({ error: _error, ...c }) => ({ ...c, loadedAt: at }))
        yield* logEvent("Info", `config reloaded (${why})`, {
          file,
          sources: loaded.success.sources.map((s) => s.name).join(","),
        })
      })
    return yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(requests), apply)))
  })

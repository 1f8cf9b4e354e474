import { dirname } from "node:path"
import { Context, type Duration, Effect, Layer, Queue } from "effect"
import { Triggers } from "./Triggers.ts"

/**
 * Directory mode's trigger: a pass shortly after any file the manifest depends on
 * changes (the manifest, `.env`, env_files, bind-mounted files). It watches the
 * directories holding them, not the files, so a file that does not exist yet (a new
 * `.env`) or is replaced by an editor's rename-on-save is still seen; events for
 * other files in those directories (a container writing its data) are ignored, so a
 * running service can never make the daemon loop.
 */
export class FileWatcher extends Context.Service<
  FileWatcher,
  {
    /** Follows a new set of files (absolute paths) from now on. */
    readonly follow: (files: ReadonlyArray<string>) => Effect.Effect<void>
  }
>()("fleetd/triggers/FileWatcher") {
  /** Git mode: nothing to watch, the remote is polled and pushes arrive as webhooks. */
  static readonly none = Layer.succeed(FileWatcher)({ follow: () => Effect.void })

  static readonly layer = (initial: ReadonlyArray<string>, debounce: Duration.Input = "250 millis") =>
    Layer.effect(
      FileWatcher,
      Effect.gen(function* () {
        const triggers = yield* Triggers
        let files = new Set(initial)
        const watched = new Set(initial.map((f) => dirname(f)))
        const events = yield* Queue.unbounded<string>()
        // Loaded here: a git-mode daemon never watches files, and chokidar (with its
        // readdirp and anymatch) would stay resident for nothing (bench/RESULTS.md, idle daemon).
        const { watch } = yield* Effect.promise(() => import("chokidar"))
        const watcher = yield* Effect.acquireRelease(
          Effect.sync(() =>
            watch([...watched], { ignoreInitial: true, depth: 0 }).on("all", (_event, path) => {
              if (files.has(path)) Queue.offerUnsafe(events, path)
            }),
          ),
          (w) => Effect.promise(() => w.close()),
        )
        // Editors write a file in several steps: wait for quiet, then ask for one pass.
        yield* Effect.forkScoped(
          Effect.forever(
            Queue.take(events).pipe(
              Effect.andThen(Effect.sleep(debounce)),
              Effect.andThen(Queue.clear(events)),
              Effect.andThen(triggers.request("file")),
            ),
          ),
        )
        return FileWatcher.of({
          follow: (next) =>
            Effect.sync(() => {
              files = new Set(next)
              const dirs = [...new Set(next.map((f) => dirname(f)))].filter((d) => !watched.has(d))
              for (const d of dirs) watched.add(d)
              if (dirs.length > 0) watcher.add(dirs)
            }),
        })
      }),
    )
}

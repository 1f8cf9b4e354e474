import { Context, Effect, Layer, Ref } from "effect"
import type { RunningSource } from "./RunningSource.ts"

/** The config file as the daemon last read it (`/status`'s `config`, docs/config-file.md). */
export interface ConfigState {
  /** The file, when the daemon runs from one (`--config`); undefined with flags. */
  readonly file?: string
  /** When the running configuration was loaded. */
  readonly loadedAt: string
  /** Why the last reload was refused: the running configuration stays. */
  readonly error?: { readonly at: string; readonly message: string }
}

/**
 * The sources the daemon runs now, in the config file's order, and the state of its
 * config file: written by the reload supervisor only, read by the HTTP routes.
 */
export class Sources extends Context.Service<
  Sources,
  {
    readonly all: Effect.Effect<ReadonlyArray<RunningSource>>
    readonly config: Effect.Effect<ConfigState>
    readonly set: (sources: ReadonlyArray<RunningSource>) => Effect.Effect<void>
    readonly setConfig: (f: (state: ConfigState) => ConfigState) => Effect.Effect<void>
  }
>()("fleetd/daemon/Sources") {
  static readonly layer = (file: string | undefined) =>
    Layer.effect(
      Sources,
      Effect.gen(function* () {
        const sources = yield* Ref.make<ReadonlyArray<RunningSource>>([])
        const config = yield* Ref.make<ConfigState>({
          ...(file === undefined ? {} : { file }),
          loadedAt: new Date().toISOString(),
        })
        return Sources.of({
          all: Ref.get(sources),
          config: Ref.get(config),
          set: (list) => Ref.set(sources, list),
          setConfig: (f) => Ref.update(config, f),
        })
      }),
    )
}

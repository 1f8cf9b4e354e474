import { Duration, Effect, Option } from "effect"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import type { StepOutput } from "./ContainerEngine.ts"
import type { EngineError } from "./EngineError.ts"

/** The engine calls a one-shot run is made of. */
export interface RunOnceCalls {
  readonly create: (
    name: string,
    spec: ContainerSpec,
    labels: Readonly<Record<string, string>>,
  ) => Effect.Effect<string, EngineError>
  /** Between create and start: copies the spec's secrets and configs in (copyGrantsIn). */
  readonly prepare: (id: string, spec: ContainerSpec) => Effect.Effect<void, EngineError>
  readonly start: (id: string) => Effect.Effect<void, EngineError>
  /** `POST /containers/{id}/wait`: the exit code, once the container stopped. */
  readonly wait: (id: string, timeoutMs: number) => Effect.Effect<number, EngineError>
  readonly kill: (id: string) => Effect.Effect<void, EngineError>
  readonly logs: (id: string) => Effect.Effect<string, EngineError>
  readonly remove: (id: string) => Effect.Effect<void, EngineError>
}

/** Time for a killed container to be reported stopped before its logs are read. */
const afterKill = Duration.seconds(5)

/**
 * Create, start, wait at most `timeoutMs` (kill on timeout), read the output, remove.
 * The container is removed whatever happened, so hook containers never outlive their
 * step (a crash of fleetd itself leaves one, which the planner removes: see plan.ts).
 */
export const runOnceWith = (calls: RunOnceCalls) =>
  Effect.fnUntraced(function* (
    name: string,
    spec: ContainerSpec,
    labels: Readonly<Record<string, string>>,
    timeoutMs: number,
  ) {
    const id = yield* calls.create(name, spec, labels)
    return yield* Effect.gen(function* () {
      yield* calls.prepare(id, spec)
      yield* calls.start(id)
      const waited = yield* calls.wait(id, timeoutMs).pipe(Effect.timeoutOption(Duration.millis(timeoutMs)))
      if (Option.isNone(waited)) {
        yield* calls.kill(id)
        yield* Effect.ignore(
          calls.wait(id, Duration.toMillis(afterKill)).pipe(Effect.timeoutOption(afterKill)),
        )
      }
      const output = yield* calls.logs(id).pipe(Effect.orElseSucceed(() => ""))
      return Option.isNone(waited)
        ? ({ exitCode: undefined, timedOut: true, output } satisfies StepOutput)
        : ({ exitCode: waited.value, timedOut: false, output } satisfies StepOutput)
    }).pipe(Effect.ensuring(Effect.ignore(calls.remove(id))))
  })

import { Context, Effect, Layer } from "effect"
import { ContainerEngine } from "./ContainerEngine.ts"

type Method = keyof ContainerEngine["Service"]

/** The methods that change the engine's state; everything else only reads. */
export const mutatingMethods: ReadonlySet<Method> = new Set<Method>([
  "pullImage",
  "build",
  "ensureNetwork",
  "ensureVolume",
  "claimVolume",
  "removeNetwork",
  "removeVolume",
  "connectNetwork",
  "disconnectNetwork",
  "createContainer",
  "putArchive",
  "startContainer",
  "stopContainer",
  "removeContainer",
  "renameContainer",
  "exec",
  "runOnce",
])

export interface EngineCallCounts {
  /** Every call, reads included. */
  readonly total: number
  /** Calls of a method in `mutatingMethods`. */
  readonly mutating: number
  readonly byMethod: Readonly<Partial<Record<Method, number>>>
}

/**
 * Counts the calls made through ContainerEngine, for assertions such as "a second
 * apply makes zero mutating calls" and "a no-op pass makes at most two calls".
 */
export class EngineCallCounter extends Context.Service<
  EngineCallCounter,
  {
    readonly snapshot: Effect.Effect<EngineCallCounts>
    readonly reset: Effect.Effect<void>
  }
>()("fleetd/engine/EngineCallCounter") {}

/**
 * Decorates the ContainerEngine below it: provide an engine layer to this one and it
 * yields the same engine (counted) plus EngineCallCounter.
 */
export const CountingEngine = {
  layer: Layer.effectContext(
    Effect.gen(function* () {
      const inner = yield* ContainerEngine
      const counts = new Map<Method, number>()
      // Counted when the call starts, so failed and interrupted calls count too.
      const tick = (method: Method) => Effect.sync(() => counts.set(method, (counts.get(method) ?? 0) + 1))
      const engine = ContainerEngine.of({
        info: Effect.andThen(tick("info"), inner.info),
        listImages: Effect.andThen(tick("listImages"), inner.listImages),
        listManagedContainers: Effect.andThen(tick("listManagedContainers"), inner.listManagedContainers),
        listContainers: (fleet) => Effect.andThen(tick("listContainers"), inner.listContainers(fleet)),
        pullImage: (ref) => Effect.andThen(tick("pullImage"), inner.pullImage(ref)),
        build: (tag, build, labels) => Effect.andThen(tick("build"), inner.build(tag, build, labels)),
        ensureNetwork: (fleet, n) => Effect.andThen(tick("ensureNetwork"), inner.ensureNetwork(fleet, n)),
        ensureVolume: (fleet, v) => Effect.andThen(tick("ensureVolume"), inner.ensureVolume(fleet, v)),
        listNetworks: (fleet) => Effect.andThen(tick("listNetworks"), inner.listNetworks(fleet)),
        listVolumes: (fleet) => Effect.andThen(tick("listVolumes"), inner.listVolumes(fleet)),
        claimVolume: (name, labels) => Effect.andThen(tick("claimVolume"), inner.claimVolume(name, labels)),
        listVolumesLabelled: (key, value) =>
          Effect.andThen(tick("listVolumesLabelled"), inner.listVolumesLabelled(key, value)),
        removeNetwork: (id) => Effect.andThen(tick("removeNetwork"), inner.removeNetwork(id)),
        removeVolume: (name) => Effect.andThen(tick("removeVolume"), inner.removeVolume(name)),
        connectNetwork: (network, id, aliases, endpoint) =>
          Effect.andThen(tick("connectNetwork"), inner.connectNetwork(network, id, aliases, endpoint)),
        disconnectNetwork: (network, id) =>
          Effect.andThen(tick("disconnectNetwork"), inner.disconnectNetwork(network, id)),
        createContainer: (name, spec, labels) =>
          Effect.andThen(tick("createContainer"), inner.createContainer(name, spec, labels)),
        putArchive: (id, path, archive) =>
          Effect.andThen(tick("putArchive"), inner.putArchive(id, path, archive)),
        startContainer: (id) => Effect.andThen(tick("startContainer"), inner.startContainer(id)),
        stopContainer: (id, t) => Effect.andThen(tick("stopContainer"), inner.stopContainer(id, t)),
        removeContainer: (id) => Effect.andThen(tick("removeContainer"), inner.removeContainer(id)),
        renameContainer: (id, name) =>
          Effect.andThen(tick("renameContainer"), inner.renameContainer(id, name)),
        inspectContainer: (id) => Effect.andThen(tick("inspectContainer"), inner.inspectContainer(id)),
        containerLogs: (id, tail) => Effect.andThen(tick("containerLogs"), inner.containerLogs(id, tail)),
        exec: (id, command, options) => Effect.andThen(tick("exec"), inner.exec(id, command, options)),
        runOnce: (name, spec, labels, timeoutMs) =>
          Effect.andThen(tick("runOnce"), inner.runOnce(name, spec, labels, timeoutMs)),
      })

      const snapshot = Effect.sync((): EngineCallCounts => {
        const byMethod = Object.fromEntries(counts) as Partial<Record<Method, number>>
        let total = 0
        let mutating = 0
        for (const [method, n] of counts) {
          total += n
          if (mutatingMethods.has(method)) mutating += n
        }
        return { total, mutating, byMethod }
      })
      const reset = Effect.sync(() => counts.clear())

      return Context.make(ContainerEngine, engine).pipe(
        Context.add(EngineCallCounter, EngineCallCounter.of({ snapshot, reset })),
      )
    }),
  ),
} as const

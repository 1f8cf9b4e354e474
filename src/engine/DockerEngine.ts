import { Duration, Effect, Layer, Semaphore } from "effect"
import type { BuildSpec } from "../domain/BuildSpec.ts"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import type { DesiredNetwork, DesiredVolume } from "../domain/DesiredState.ts"
import { fleetFilter, Labels } from "../domain/labels.ts"
import { isLoopbackImage } from "../domain/registryHost.ts"
import { volumeLabels } from "../domain/resourceHash.ts"
import { logEvent } from "../observability/logEvent.ts"
import { runBuild } from "./buildImage.ts"
import { ContainerEngine } from "./ContainerEngine.ts"
import { connectEngine, type EngineConnection } from "./connectEngine.ts"
import { copyGrantsIn } from "./copyGrantsIn.ts"
import { demuxLogs } from "./demuxLogs.ts"
import { dialGet } from "./dial.ts"
import type { DiscoverOptions } from "./discoverSocket.ts"
import { dockerResources, networkCreateBody } from "./dockerResources.ts"
import { EngineError } from "./EngineError.ts"
import { type CallContext, engineCall, succeedOnStatus } from "./engineCall.ts"
import { ensureResource, type LabelledResource } from "./ensureResource.ts"
import { execInContainer } from "./execInContainer.ts"
import { makeEventFollower } from "./followEvents.ts"
import { makeListingCache } from "./ListingCache.ts"
import { podmanCheckDue, runPodmanHealthcheck } from "./podmanHealth.ts"
import { podmanLoopbackPull } from "./podmanPull.ts"
import { readPullProgress } from "./readPullProgress.ts"
import { runOnceWith } from "./runOnce.ts"
import { toCreateBody } from "./toCreateBody.ts"
import {
  type InspectedContainer,
  toContainerState,
  toObservedContainer,
  toObservedImage,
} from "./toObserved.ts"

export interface DockerEngineOptions {
  /** `unix:///path`, `/path` or `tcp://host:port`; overrides DOCKER_HOST and the default sockets. */
  readonly endpoint?: string | undefined
  /** Where DOCKER_HOST and XDG_RUNTIME_DIR are read; process.env by default. */
  readonly env?: DiscoverOptions["env"]
  /** Limit for one ordinary API call; default 30 s. A stop adds its grace period. */
  readonly callTimeout?: Duration.Input
  /** Limit for a whole pull, progress stream included; default 10 min. */
  readonly pullTimeout?: Duration.Input
  /** Limit for a whole build, output stream included; default 30 min. */
  readonly buildTimeout?: Duration.Input
  /**
   * Keep container listings between calls while the engine's event stream says nothing
   * changed (Docker ≥ 20.10 or Podman ≥ 4.3, on a local socket only; docs/engine-events.md).
   * For a long-running process: the daemon.
   */
  readonly followEvents?: boolean
  /** Closes the event stream when aborted (the layer's scope does it at shutdown). */
  readonly closed?: AbortSignal
}

/** The cache's safety net, lag limit, settling time and retry delay (docs/engine-events.md). */
export const listingCacheSettings = { maxAgeMs: 30_000, maxLagMs: 2_000, settleMs: 2_000, retryMs: 30_000 }

/** Adds the AbortSignal that dockerode honours but whose typings omit on some methods. */
const withSignal = <O extends object>(options: O, signal: AbortSignal): O => ({
  ...options,
  abortSignal: signal,
})

/** Lines of a hook container's output kept (then bounded to 4 KiB like every tail). */
const hookLogLines = 100

const networkInspectCodes = { 200: true, 404: "no such network", 500: "server error" } as const
const imageInspectCodes = { 200: true, 404: "no such image", 500: "server error" } as const

const classifyPullError = (text: string): EngineError["reason"] =>
  /not found|manifest unknown|does not exist|no such|name unknown/i.test(text)
    ? "NotFound"
    : /unauthorized|denied|authentication required|forbidden/i.test(text)
      ? "Forbidden"
      : "Unavailable"

/** The real ContainerEngine. Connects on first use, so it builds even when the engine is down. */
export const makeDockerEngine = (options: DockerEngineOptions = {}): ContainerEngine["Service"] => {
  const callTimeout = options.callTimeout ?? Duration.seconds(30)
  const pullTimeout = options.pullTimeout ?? Duration.minutes(10)
  const buildTimeout = options.buildTimeout ?? Duration.minutes(30)
  let connection: EngineConnection | undefined
  const lastHealthRun = new Map<string, number>()
  const listings = makeListingCache({ now: Date.now, ...listingCacheSettings })
  const follower = makeEventFollower(listings, Date.now, listingCacheSettings.retryMs)
  options.closed?.addEventListener("abort", follower.close, { once: true })

  /** A listing served from the cache while the event stream allows it; asked of the engine otherwise. */
  const followed = <A>(key: string, connected: EngineConnection, list: Effect.Effect<A, EngineError>) =>
    Effect.suspend(() => {
      if (options.followEvents !== true) return list
      follower.ensure(connected)
      const kept = listings.lookup(key)
      if (kept !== undefined) return Effect.succeed(kept as A)
      const ticket = listings.begin()
      return Effect.tap(list, (value) => Effect.sync(() => listings.store(key, ticket, value)))
    })
  /**
   * fleetd's own change, which the stream must echo. One to containers (`listed`) drops
   * the kept listings before (a listing under way is not kept) and after.
   */
  const echoed = <A, E, R>(effect: Effect.Effect<A, E, R>, listed: boolean) =>
    Effect.suspend(() => {
      const mark = listings.starting(listed)
      return Effect.ensuring(
        effect,
        Effect.sync(() => listings.done(mark, listed)),
      )
    })
  const changing = <A, E, R>(effect: Effect.Effect<A, E, R>) => echoed(effect, true)

  const call = <A>(context: CallContext, run: (signal: AbortSignal) => Promise<A>, timeout = callTimeout) =>
    engineCall(context, timeout, run).pipe(
      // The engine may have gone away or been replaced: negotiate again next time.
      Effect.tapError((error) =>
        Effect.sync(() => {
          if (error.reason === "Unavailable") connection = undefined
        }),
      ),
    )

  // Concurrent first calls (observe lists containers and images at once) share one
  // handshake instead of each asking /version.
  const handshake = Semaphore.makeUnsafe(1)
  const connect = (operation: string): Effect.Effect<EngineConnection, EngineError> =>
    Effect.suspend(() =>
      connection !== undefined
        ? Effect.succeed(connection)
        : handshake.withPermits(1)(
            Effect.suspend(() =>
              connection !== undefined
                ? Effect.succeed(connection)
                : connectEngine(operation, options, callTimeout).pipe(
                    Effect.tap((c) =>
                      Effect.sync(() => {
                        connection = c
                      }),
                    ),
                  ),
            ),
          ),
    )

  const engine: ContainerEngine["Service"] = ContainerEngine.of({
    ...dockerResources(connect, call),

    info: Effect.fn("ContainerEngine.info")(function* () {
      connection = undefined
      return (yield* connect("ContainerEngine.info")).info
    })(),

    listContainers: Effect.fn("ContainerEngine.listContainers")(function* (fleet: string) {
      const connected = yield* connect("ContainerEngine.listContainers")
      const list = call(
        { operation: "ContainerEngine.listContainers", target: `containers of fleet ${fleet}` },
        (signal) =>
          connected.docker.listContainers({
            all: true,
            filters: { label: [fleetFilter(fleet)] },
            abortSignal: signal,
          }),
      )
      return yield* followed(
        `fleet ${fleet}`,
        connected,
        Effect.map(list, (l) => l.map(toObservedContainer)),
      )
    }),

    listManagedContainers: Effect.fn("ContainerEngine.listManagedContainers")(function* () {
      const connected = yield* connect("ContainerEngine.listManagedContainers")
      const list = call(
        { operation: "ContainerEngine.listManagedContainers", target: "containers of every fleet" },
        (signal) =>
          connected.docker.listContainers({
            all: true,
            filters: { label: [Labels.fleet] },
            abortSignal: signal,
          }),
      )
      return yield* followed(
        "every fleet",
        connected,
        Effect.map(list, (l) => l.map(toObservedContainer)),
      )
    })(),

    listImages: Effect.fn("ContainerEngine.listImages")(function* () {
      const { docker } = yield* connect("ContainerEngine.listImages")
      const listed = yield* call({ operation: "ContainerEngine.listImages", target: "images" }, (signal) =>
        docker.listImages({ abortSignal: signal }),
      )
      return listed.map(toObservedImage)
    })(),

    pullImage: Effect.fn("ContainerEngine.pullImage")(function* (ref: string) {
      const operation = "ContainerEngine.pullImage"
      const { docker, raw, info } = yield* connect(operation)
      // Docker already treats loopback registries as plain HTTP; Podman is told to.
      const insecure = info.kind === "podman" && isLoopbackImage(ref)
      const streamError = yield* call(
        { operation, target: `image ${ref}` },
        async (signal) =>
          readPullProgress(
            await (insecure
              ? podmanLoopbackPull(raw, ref, signal)
              : docker.pull(ref, { abortSignal: signal })),
          ),
        pullTimeout,
      )
      if (streamError !== undefined) {
        const reason = classifyPullError(streamError)
        return yield* new EngineError({
          reason,
          operation,
          message: `image ${ref}: pull failed: ${streamError}`,
        })
      }
      const image = yield* call({ operation, target: `image ${ref}` }, (signal) =>
        dialGet<{ Id: string }>(
          docker,
          { path: `/images/${ref}/json`, statusCodes: imageInspectCodes },
          signal,
        ),
      )
      return image.Id
    }),

    build: Effect.fn("ContainerEngine.build")(function* (
      tag: string,
      build: BuildSpec,
      labels: Readonly<Record<string, string>>,
    ) {
      const operation = "ContainerEngine.build"
      const { docker } = yield* connect(operation)
      const result = yield* call(
        { operation, target: `image ${tag}` },
        (signal) => runBuild(docker, tag, build, labels, signal),
        buildTimeout,
      )
      if (result.error !== undefined) return { error: result.error, output: result.output }
      const image = yield* call({ operation, target: `image ${tag}` }, (signal) =>
        dialGet<{ Id: string }>(
          docker,
          { path: `/images/${tag}/json`, statusCodes: imageInspectCodes },
          signal,
        ),
      )
      return { imageId: image.Id, output: result.output }
    }),

    ensureNetwork: Effect.fn("ContainerEngine.ensureNetwork")(function* (
      fleet: string,
      network: DesiredNetwork,
    ) {
      const operation = "ContainerEngine.ensureNetwork"
      const { docker } = yield* connect(operation)
      const context = { operation, target: `network ${network.name}` }
      yield* ensureResource({
        operation,
        what: "network",
        name: network.name,
        fleet,
        external: network.external,
        inspect: call(context, (signal) =>
          dialGet<LabelledResource>(
            docker,
            { path: `/networks/${encodeURIComponent(network.name)}`, statusCodes: networkInspectCodes },
            signal,
          ),
        ),
        create: call(context, (signal) =>
          docker.createNetwork({ ...networkCreateBody(fleet, network), abortSignal: signal }),
        ),
      })
    }),

    ensureVolume: Effect.fn("ContainerEngine.ensureVolume")(function* (fleet: string, volume: DesiredVolume) {
      const operation = "ContainerEngine.ensureVolume"
      const { docker } = yield* connect(operation)
      const context = { operation, target: `volume ${volume.name}` }
      yield* ensureResource({
        operation,
        what: "volume",
        name: volume.name,
        fleet,
        external: volume.external,
        inspect: call(context, (signal) => docker.getVolume(volume.name).inspect({ abortSignal: signal })),
        create: call(context, (signal) =>
          docker.createVolume({
            Name: volume.name,
            Driver: volume.driver,
            ...(volume.driverOpts === undefined ? {} : { DriverOpts: { ...volume.driverOpts } }),
            Labels: { ...volumeLabels(fleet, volume) },
            abortSignal: signal,
          }),
        ),
      })
    }),

    createContainer: Effect.fn("ContainerEngine.createContainer")(function* (
      name: string,
      spec: ContainerSpec,
      labels: Readonly<Record<string, string>>,
    ) {
      const operation = "ContainerEngine.createContainer"
      const { docker, info } = yield* connect(operation)
      const { body, connectAfterCreate, query, warnings, errors } = toCreateBody(spec, labels, info)
      if (errors.length > 0)
        return yield* new EngineError({
          reason: "BadRequest",
          operation,
          message: `${name}: ${errors.join("; ")}`,
        })
      for (const warning of warnings) yield* logEvent("Warn", warning, { container: name })
      const redact = spec.env.map((entry) => entry.slice(entry.indexOf("=") + 1))
      const container = yield* call({ operation, target: `container ${name}`, redact }, (signal) =>
        // `_query`/`_body` is how docker-modem takes query parameters beside a body.
        docker.createContainer({ _query: { name, ...query }, _body: body, abortSignal: signal } as never),
      )
      for (const network of connectAfterCreate) {
        yield* call({ operation, target: `container ${name} joining network ${network.name}` }, (signal) =>
          docker
            .getNetwork(network.name)
            .connect(withSignal({ Container: container.id, EndpointConfig: network.endpoint }, signal)),
        ).pipe(
          // A container missing one of its networks would look converged (its spec-hash
          // label is right), so it must not survive a failed connect.
          Effect.tapError(() =>
            Effect.ignore(
              call({ operation, target: `container ${name}` }, (signal) =>
                container.remove({ force: true, v: true, abortSignal: signal }),
              ),
            ),
          ),
        )
      }
      return container.id
    }),

    putArchive: Effect.fn("ContainerEngine.putArchive")(function* (
      id: string,
      path: string,
      archive: Uint8Array,
    ) {
      const operation = "ContainerEngine.putArchive"
      const { docker } = yield* connect(operation)
      yield* call({ operation, target: `copying files into container ${id}` }, (signal) =>
        docker.getContainer(id).putArchive(Buffer.from(archive), { path, abortSignal: signal }),
      )
    }),

    startContainer: Effect.fn("ContainerEngine.startContainer")(function* (id: string) {
      const operation = "ContainerEngine.startContainer"
      const { docker } = yield* connect(operation)
      yield* call({ operation, target: `container ${id}` }, (signal) =>
        docker.getContainer(id).start({ abortSignal: signal }),
      ).pipe(succeedOnStatus(304))
    }),

    stopContainer: Effect.fn("ContainerEngine.stopContainer")(function* (id: string, timeoutSeconds: number) {
      const operation = "ContainerEngine.stopContainer"
      const { docker } = yield* connect(operation)
      const limit = Duration.sum(Duration.fromInputUnsafe(callTimeout), Duration.seconds(timeoutSeconds))
      yield* call(
        { operation, target: `container ${id}` },
        (signal) => docker.getContainer(id).stop({ t: timeoutSeconds, abortSignal: signal }),
        limit,
      ).pipe(succeedOnStatus(304))
    }),

    removeContainer: Effect.fn("ContainerEngine.removeContainer")(function* (id: string) {
      const operation = "ContainerEngine.removeContainer"
      const { docker } = yield* connect(operation)
      lastHealthRun.delete(id)
      yield* call({ operation, target: `container ${id}` }, (signal) =>
        docker.getContainer(id).remove({ force: true, v: true, abortSignal: signal }),
      ).pipe(succeedOnStatus(404))
    }),

    renameContainer: Effect.fn("ContainerEngine.renameContainer")(function* (id: string, name: string) {
      const operation = "ContainerEngine.renameContainer"
      const { docker } = yield* connect(operation)
      yield* call({ operation, target: `container ${id} (to ${name})` }, (signal) =>
        docker.getContainer(id).rename({ name, abortSignal: signal }),
      )
    }),

    inspectContainer: Effect.fn("ContainerEngine.inspectContainer")(function* (id: string) {
      const operation = "ContainerEngine.inspectContainer"
      const { docker, raw, info } = yield* connect(operation)
      const inspect = call({ operation, target: `container ${id}` }, (signal) =>
        docker.getContainer(id).inspect({ abortSignal: signal }),
      )
      let inspected: InspectedContainer = yield* inspect
      const now = Date.now()
      if (info.kind === "podman" && podmanCheckDue(inspected, lastHealthRun.get(inspected.Id), now)) {
        lastHealthRun.set(inspected.Id, now)
        // A check changes the health a listing shows.
        listings.changed()
        // A failing check is a health result, not an engine error: the status says it.
        yield* Effect.ignore(
          call({ operation, target: `healthcheck of container ${id}` }, (signal) =>
            runPodmanHealthcheck(raw, inspected.Id, signal),
          ),
        )
        inspected = yield* inspect
      }
      return toContainerState(inspected)
    }),

    containerLogs: Effect.fn("ContainerEngine.containerLogs")(function* (id: string, tail: number) {
      const operation = "ContainerEngine.containerLogs"
      const { docker } = yield* connect(operation)
      const body = yield* call({ operation, target: `logs of container ${id}` }, (signal) =>
        docker.getContainer(id).logs({
          stdout: true,
          stderr: true,
          tail,
          follow: false,
          abortSignal: signal,
        } as {
          stdout: true
          stderr: true
          tail: number
          follow: false
        }),
      )
      return demuxLogs(body)
    }),

    exec: Effect.fn("ContainerEngine.exec")(function* (
      id: string,
      command: ReadonlyArray<string>,
      execOptions: { readonly user?: string; readonly timeoutMs: number },
    ) {
      const operation = "ContainerEngine.exec"
      const { docker } = yield* connect(operation)
      const limit = Duration.sum(
        Duration.fromInputUnsafe(callTimeout),
        Duration.millis(execOptions.timeoutMs),
      )
      return yield* call(
        { operation, target: `exec in container ${id}` },
        (signal) => execInContainer(docker, id, command, execOptions, signal),
        limit,
      )
    }),

    runOnce: (name, spec, labels, timeoutMs) =>
      runOnceWith({
        create: engine.createContainer,
        prepare: (id, spec) => copyGrantsIn(engine.putArchive, id, spec),
        start: engine.startContainer,
        wait: Effect.fnUntraced(function* (id: string, waitMs: number) {
          const operation = "ContainerEngine.runOnce"
          const { docker } = yield* connect(operation)
          const limit = Duration.sum(Duration.fromInputUnsafe(callTimeout), Duration.millis(waitMs))
          const result = yield* call(
            { operation, target: `waiting for container ${name}` },
            (signal): Promise<{ StatusCode?: number }> =>
              docker.getContainer(id).wait({ abortSignal: signal }),
            limit,
          )
          return result.StatusCode ?? -1
        }),
        kill: Effect.fnUntraced(function* (id: string) {
          const operation = "ContainerEngine.runOnce"
          const { docker } = yield* connect(operation)
          // 409: it stopped on its own meanwhile; 404: already gone.
          yield* call({ operation, target: `killing container ${name}` }, (signal) =>
            docker.getContainer(id).kill({ abortSignal: signal }),
          ).pipe(succeedOnStatus(404, 409))
        }),
        logs: (id) => engine.containerLogs(id, hookLogLines),
        remove: engine.removeContainer,
      })(name, spec, labels, timeoutMs).pipe(Effect.withSpan("ContainerEngine.runOnce")),
  })
  if (options.followEvents !== true) return engine
  // Every change fleetd makes to containers drops the kept listings (its events come later).
  return ContainerEngine.of({
    ...engine,
    createContainer: (name, spec, labels) => changing(engine.createContainer(name, spec, labels)),
    startContainer: (id) => changing(engine.startContainer(id)),
    stopContainer: (id, timeoutSeconds) => changing(engine.stopContainer(id, timeoutSeconds)),
    removeContainer: (id) => changing(engine.removeContainer(id)),
    renameContainer: (id, name) => changing(engine.renameContainer(id, name)),
    connectNetwork: (network, id, aliases, endpoint) =>
      changing(engine.connectNetwork(network, id, aliases, endpoint)),
    disconnectNetwork: (network, id) => changing(engine.disconnectNetwork(network, id)),
    runOnce: (name, spec, labels, timeoutMs) => changing(engine.runOnce(name, spec, labels, timeoutMs)),
    // The lease's records change every few seconds: their events show the stream is live.
    claimVolume: (name, labels) => echoed(engine.claimVolume(name, labels), false),
    removeVolume: (name) => echoed(engine.removeVolume(name), false),
  })
}

/** `DockerEngine.layer()` provides ContainerEngine over Docker or Podman (socket discovered). */
export const DockerEngine = {
  make: makeDockerEngine,
  layer: (options: DockerEngineOptions = {}): Layer.Layer<ContainerEngine> =>
    Layer.effect(
      ContainerEngine,
      Effect.gen(function* () {
        const closing = new AbortController()
        yield* Effect.addFinalizer(() => Effect.sync(() => closing.abort()))
        return makeDockerEngine({ ...options, closed: closing.signal })
      }),
    ),
} as const

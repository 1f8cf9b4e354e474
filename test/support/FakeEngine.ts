import { Effect, Layer } from "effect"
import type { ContainerSpec } from "../../src/domain/ContainerSpec.ts"
import { copiedGrants } from "../../src/domain/FileGrant.ts"
import { normalizeImageRef } from "../../src/domain/imageRef.ts"
import { Labels } from "../../src/domain/labels.ts"
import type { ObservedContainer, ObservedImage, ObservedResource } from "../../src/domain/ObservedState.ts"
import { networkLabels, volumeLabels } from "../../src/domain/resourceHash.ts"
import { type BuildOutcome, ContainerEngine } from "../../src/engine/ContainerEngine.ts"
import { EngineError } from "../../src/engine/EngineError.ts"

/**
 * An in-memory engine for reconciler unit tests. It keeps containers, images,
 * networks and volumes the way the Engine API reports them and records every call,
 * so tests can assert what a pass did and did not touch. Real engines are exercised
 * by the integration suites; this one only makes the reconciler's logic fast to test.
 */
export interface FakeContainer {
  id: string
  name: string
  labels: Record<string, string>
  state: string
  imageId: string
  spec: ContainerSpec | undefined
  /** Inspections since the last start: behaviours unfold over them. */
  inspects?: number
  restartCount?: number
  /** Once exited: how (137 after a stop, 1 after a crash, or the behaviour's exitCode). */
  exitCode?: number
  /** Networks it is attached to, once connect/disconnect changed them (else its spec's). */
  networks?: Array<string>
  /** Archives put into it (secrets and configs copied in), in order. */
  archives?: Array<{ readonly path: string; readonly archive: Uint8Array }>
}

/**
 * How containers of an image behave once started, unfolding over the inspections the
 * health gate makes (call counts, not time, so tests stay deterministic).
 */
export interface FakeBehaviour {
  /** Health on successive inspections; the last value repeats. */
  readonly health?: ReadonlyArray<"starting" | "healthy" | "unhealthy">
  /** Exits at this inspection (with exitCode, else 1). */
  readonly exitAt?: number
  readonly exitCode?: number
  /** Restarts (restart count + 1, still running) at this inspection. */
  readonly restartAt?: number
  /** What `containerLogs` returns. */
  readonly logs?: string
}

/** What a hook step's command does in the fake, keyed by the command joined with spaces. */
export interface FakeStep {
  readonly exitCode?: number
  readonly output?: string
  readonly timedOut?: boolean
  /** The engine call itself fails (Unavailable is retried by nothing: hooks are not retried). */
  readonly engineError?: boolean
}

export interface FakeWorld {
  containers: Array<FakeContainer>
  images: Array<ObservedImage>
  /** Registry contents: what a pull of a reference gives. */
  registry: Map<string, string>
  /** By name, with labels as the engine reports them; unlabelled ones are "the operator's". */
  networks: Map<string, ObservedResource>
  volumes: Map<string, ObservedResource>
  calls: Array<string>
  /** Images whose containers exit right after starting. */
  crashingImages: Set<string>
  /** Per image: health, exits and restarts after starting, and logs. */
  behaviours: Map<string, FakeBehaviour>
  /** Hook commands' behaviour (exit 0 with no output when absent). */
  steps: Map<string, FakeStep>
  /** Tags whose build fails, with the builder's error. */
  buildFailures: Map<string, string>
  /** When set, every call fails Unavailable this many times first. */
  unavailableFor: number
  /** When set, the process "dies" (a defect) at the mutating call after this many. */
  crashAfterMutations: number | undefined
}

export const emptyWorld = (): FakeWorld => ({
  containers: [],
  images: [],
  registry: new Map(),
  networks: new Map(),
  volumes: new Map(),
  calls: [],
  crashingImages: new Set(),
  behaviours: new Map(),
  steps: new Map(),
  buildFailures: new Map(),
  unavailableFor: 0,
  crashAfterMutations: undefined,
})

let nextId = 0

/** Create-if-missing with ownership, as ensureResource does on a real engine. */
const ensure = (
  store: Map<string, ObservedResource>,
  fleet: string,
  external: boolean,
  operation: string,
  name: string,
  make: () => ObservedResource,
): Effect.Effect<void, EngineError> => {
  const existing = store.get(name)
  if (existing === undefined && external)
    return Effect.fail(
      new EngineError({
        operation: `ContainerEngine.${operation}`,
        reason: "NotFound",
        message: `external ${name} does not exist; create it first or drop \`external: true\``,
      }),
    )
  if (existing !== undefined && !external && existing.labels[Labels.fleet] !== fleet)
    return Effect.fail(
      new EngineError({
        operation: `ContainerEngine.${operation}`,
        reason: "Conflict",
        message: `${name} exists but is not managed by fleet ${fleet}`,
      }),
    )
  if (existing === undefined) store.set(name, make())
  return Effect.void
}

const isReadOnly = (call: string) =>
  /^(info|listContainers|listManagedContainers|listImages|listNetworks|listVolumes|listVolumesLabelled|inspectContainer|containerLogs)\b/.test(
    call,
  )

export const mutatingCalls = (world: FakeWorld): ReadonlyArray<string> =>
  world.calls.filter((c) => !isReadOnly(c))

const observedContainer = (c: FakeContainer): ObservedContainer => ({
  id: c.id,
  name: c.name,
  labels: { ...c.labels },
  state: c.state,
  ...(c.state === "exited" && c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
  imageId: c.imageId,
  networks: c.networks ?? c.spec?.networks.map((n) => n.name) ?? [],
  volumes: c.spec?.mounts.flatMap((m) => (m.type === "volume" ? [m.source] : [])) ?? [],
})

export const fakeEngineLayer = (world: FakeWorld): Layer.Layer<ContainerEngine> => {
  const fail = (operation: string, reason: EngineError["reason"], message: string) =>
    Effect.fail(new EngineError({ operation: `ContainerEngine.${operation}`, reason, message }))
  const call = <A>(name: string, body: () => Effect.Effect<A, EngineError>): Effect.Effect<A, EngineError> =>
    Effect.suspend(() => {
      if (world.crashAfterMutations !== undefined && !isReadOnly(name)) {
        if (mutatingCalls(world).length >= world.crashAfterMutations) return Effect.die(new Error("killed"))
      }
      world.calls.push(name)
      if (world.unavailableFor > 0) {
        world.unavailableFor--
        return fail(name.split(" ")[0] ?? name, "Unavailable", "connect ENOENT /fake.sock")
      }
      return body()
    })
  const stepOutcome = (command: ReadonlyArray<string>) => {
    const step = world.steps.get(command.join(" ")) ?? {}
    if (step.engineError === true) return fail("exec", "BadRequest", "the engine refused the step")
    return Effect.succeed({
      exitCode: step.timedOut === true ? undefined : (step.exitCode ?? 0),
      timedOut: step.timedOut === true,
      output: step.output ?? "",
    })
  }
  const attached = (c: FakeContainer) => c.networks ?? c.spec?.networks.map((n) => n.name) ?? []
  const find = (id: string) => world.containers.find((c) => c.id === id || c.name === id)
  const imageIdOf = (ref: string) => world.images.find((i) => i.refs.includes(normalizeImageRef(ref)))?.id

  return Layer.succeed(ContainerEngine)({
    info: call("info", () =>
      Effect.succeed({ kind: "docker", version: "fake", apiVersion: "1.41", endpoint: "fake://" } as const),
    ),
    listContainers: (fleet) =>
      call("listContainers", () =>
        Effect.succeed(
          world.containers.filter((c) => c.labels[Labels.fleet] === fleet).map(observedContainer),
        ),
      ),
    listManagedContainers: call("listManagedContainers", () =>
      Effect.succeed(
        world.containers.filter((c) => c.labels[Labels.fleet] !== undefined).map(observedContainer),
      ),
    ),
    listImages: call("listImages", () => Effect.succeed(world.images.map((i) => ({ ...i })))),
    pullImage: (ref) =>
      call(`pullImage ${ref}`, () => {
        const id = world.registry.get(normalizeImageRef(ref))
        if (id === undefined) return fail("pullImage", "NotFound", `pull access denied for ${ref}`)
        world.images = world.images
          .map((i) => ({ ...i, refs: i.refs.filter((r) => r !== normalizeImageRef(ref)) }))
          .concat([{ id, refs: [normalizeImageRef(ref)] }])
        return Effect.succeed(id)
      }),
    build: (tag, build, labels) =>
      call(`build ${tag}`, (): Effect.Effect<BuildOutcome, EngineError> => {
        const error = world.buildFailures.get(tag)
        if (error !== undefined) return Effect.succeed({ error, output: `Step 1/1 : FROM base\n${error}` })
        // The same inputs give the same image, as the builder's cache does.
        const id = `sha256:built-${build.hash.slice(0, 12)}`
        const ref = normalizeImageRef(tag)
        world.images = world.images
          .map((i) => ({ ...i, refs: i.refs.filter((r) => r !== ref) }))
          .concat([{ id, refs: [ref], buildHash: labels[Labels.buildHash] ?? "" }])
        return Effect.succeed({ imageId: id, output: `Successfully built ${id}\nSuccessfully tagged ${tag}` })
      }),
    ensureNetwork: (fleet, network) =>
      call(`ensureNetwork ${network.name}`, () =>
        ensure(world.networks, fleet, network.external, "ensureNetwork", network.name, () => ({
          id: `net-${++nextId}`,
          name: network.name,
          driver: network.driver,
          internal: network.internal,
          labels: networkLabels(fleet, network),
        })),
      ),
    ensureVolume: (fleet, volume) =>
      call(`ensureVolume ${volume.name}`, () =>
        ensure(world.volumes, fleet, volume.external, "ensureVolume", volume.name, () => ({
          id: volume.name,
          name: volume.name,
          driver: volume.driver,
          labels: volumeLabels(fleet, volume),
        })),
      ),
    listNetworks: (fleet) =>
      call("listNetworks", () =>
        Effect.succeed([...world.networks.values()].filter((n) => n.labels[Labels.fleet] === fleet)),
      ),
    listVolumes: (fleet) =>
      call("listVolumes", () =>
        Effect.succeed([...world.volumes.values()].filter((v) => v.labels[Labels.fleet] === fleet)),
      ),
    claimVolume: (name, labels) =>
      call(`claimVolume ${name}`, () => {
        const existing = world.volumes.get(name)
        if (existing !== undefined) return Effect.succeed({ ...existing.labels })
        world.volumes.set(name, { id: name, name, driver: "local", labels: { ...labels } })
        return Effect.succeed({ ...labels })
      }),
    listVolumesLabelled: (key, value) =>
      call(`listVolumesLabelled ${key}=${value}`, () =>
        Effect.succeed([...world.volumes.values()].filter((v) => v.labels[key] === value)),
      ),
    removeNetwork: (id) =>
      call(`removeNetwork ${[...world.networks.values()].find((n) => n.id === id)?.name ?? id}`, () => {
        const network = [...world.networks.values()].find((n) => n.id === id)
        if (network === undefined) return Effect.void
        if (world.containers.some((c) => attached(c).includes(network.name)))
          return fail("removeNetwork", "Conflict", `network ${network.name} has active endpoints`)
        world.networks.delete(network.name)
        return Effect.void
      }),
    removeVolume: (name) =>
      call(`removeVolume ${name}`, () => {
        const mounted = (c: FakeContainer) =>
          c.spec?.mounts.some((m) => m.type === "volume" && m.source === name) === true
        if (world.containers.some(mounted))
          return fail("removeVolume", "Conflict", `volume ${name} is in use`)
        world.volumes.delete(name)
        return Effect.void
      }),
    connectNetwork: (network, id) =>
      call(`connectNetwork ${network} ${find(id)?.name ?? id}`, () => {
        const c = find(id)
        if (c === undefined) return fail("connectNetwork", "NotFound", `no such container ${id}`)
        if (!world.networks.has(network))
          return fail("connectNetwork", "NotFound", `no such network ${network}`)
        c.networks = [...new Set([...attached(c), network])].sort()
        return Effect.void
      }),
    disconnectNetwork: (network, id) =>
      call(`disconnectNetwork ${network} ${find(id)?.name ?? id}`, () => {
        const c = find(id)
        if (c === undefined) return fail("disconnectNetwork", "NotFound", `no such container ${id}`)
        c.networks = attached(c).filter((n) => n !== network)
        return Effect.void
      }),
    createContainer: (name, spec, labels) =>
      call(`createContainer ${name}`, () => {
        if (find(name) !== undefined)
          return fail("createContainer", "Conflict", `name ${name} is already in use`)
        const imageId = imageIdOf(spec.image)
        if (imageId === undefined) return fail("createContainer", "NotFound", `no such image: ${spec.image}`)
        const missing = spec.networks.find((n) => !world.networks.has(n.name))
        if (missing !== undefined)
          return fail("createContainer", "NotFound", `network ${missing.name} not found`)
        const id = `c${++nextId}`
        world.containers.push({
          id,
          name,
          labels: { ...spec.labels, ...labels },
          state: "created",
          imageId,
          spec,
        })
        return Effect.succeed(id)
      }),
    putArchive: (id, path, archive) =>
      call(`putArchive ${find(id)?.name ?? id}`, () => {
        const c = find(id)
        if (c === undefined) return fail("putArchive", "NotFound", `no such container ${id}`)
        c.archives = [...(c.archives ?? []), { path, archive }]
        return Effect.void
      }),
    startContainer: (id) =>
      call(`startContainer ${find(id)?.name ?? id}`, () => {
        const c = find(id)
        if (c === undefined) return fail("startContainer", "NotFound", `no such container ${id}`)
        const crashes = c.spec !== undefined && world.crashingImages.has(c.spec.image)
        c.state = crashes ? "exited" : "running"
        if (crashes) c.exitCode = 1
        else delete c.exitCode
        c.inspects = 0
        return Effect.void
      }),
    stopContainer: (id) =>
      call(`stopContainer ${find(id)?.name ?? id}`, () => {
        const c = find(id)
        if (c === undefined) return fail("stopContainer", "NotFound", `no such container ${id}`)
        if (c.state === "running") {
          c.state = "exited"
          c.exitCode = 137
        }
        return Effect.void
      }),
    removeContainer: (id) =>
      call(`removeContainer ${find(id)?.name ?? id}`, () =>
        Effect.sync(() => {
          // By id or name, as the Engine API takes either.
          const gone = find(id)
          world.containers = world.containers.filter((c) => c !== gone)
        }),
      ),
    renameContainer: (id, name) =>
      call(`renameContainer ${find(id)?.name ?? id} ${name}`, () => {
        const c = find(id)
        if (c === undefined) return fail("renameContainer", "NotFound", `no such container ${id}`)
        if (find(name) !== undefined)
          return fail("renameContainer", "Conflict", `name ${name} is already in use`)
        c.name = name
        return Effect.void
      }),
    inspectContainer: (id) =>
      call(`inspectContainer ${id}`, () => {
        const c = find(id)
        if (c === undefined) return fail("inspectContainer", "NotFound", `no such container ${id}`)
        const behaviour = c.spec === undefined ? undefined : world.behaviours.get(c.spec.image)
        // Counts inspects of containers fleetd made (they drive behaviours); a stranger's
        // record stays as the test wrote it, so tests can assert it was left alone.
        if (c.spec !== undefined) c.inspects = (c.inspects ?? 0) + 1
        const n = c.inspects ?? 1
        if (c.state === "running" && behaviour?.exitAt !== undefined && n >= behaviour.exitAt) {
          c.state = "exited"
          c.exitCode = behaviour.exitCode ?? 1
        }
        if (behaviour?.restartAt === n) c.restartCount = (c.restartCount ?? 0) + 1
        const checked = c.spec?.healthcheck !== undefined && c.spec.healthcheck.test[0] !== "NONE"
        const sequence = behaviour?.health ?? (checked ? ["healthy"] : [])
        const health = sequence[Math.min(n, sequence.length) - 1]
        return Effect.succeed({
          id: c.id,
          name: c.name,
          running: c.state === "running",
          status: c.state,
          exitCode: c.state === "exited" ? (c.exitCode ?? 1) : 0,
          restartCount: c.restartCount ?? 0,
          ...(health === undefined || c.state !== "running" ? {} : { health }),
          ...(c.labels[Labels.fleet] === undefined ? {} : { fleet: c.labels[Labels.fleet] }),
        })
      }),
    exec: (id, command) =>
      call(`exec ${find(id)?.name ?? id} ${command.join(" ")}`, () => {
        const c = find(id)
        if (c === undefined) return fail("exec", "NotFound", `no such container ${id}`)
        if (c.state !== "running") return fail("exec", "Conflict", `container ${c.name} is not running`)
        return stepOutcome(command)
      }),
    runOnce: (name, spec, labels) =>
      call(`runOnce ${labels[Labels.hook] ?? "?"} ${spec.image} ${spec.command?.join(" ") ?? ""}`, () => {
        if (imageIdOf(spec.image) === undefined)
          return fail("runOnce", "NotFound", `no such image: ${spec.image} (${name})`)
        // The real runOnce copies these in between create and start (copyGrantsIn).
        for (const g of copiedGrants(spec)) world.calls.push(`runOnce copies ${g.target}`)
        return stepOutcome(spec.command ?? [])
      }),
    containerLogs: (id) =>
      call(`containerLogs ${find(id)?.name ?? id}`, () => {
        const c = find(id)
        if (c === undefined) return fail("containerLogs", "NotFound", `no such container ${id}`)
        return Effect.succeed((c.spec && world.behaviours.get(c.spec.image)?.logs) ?? "")
      }),
  })
}

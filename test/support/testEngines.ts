import { randomBytes } from "node:crypto"
import Docker from "dockerode"
import { Duration, Effect, type Scope } from "effect"
import { Labels } from "../../src/domain/labels.ts"

/** One real engine the integration tests run against. */
export interface TestEngine {
  readonly kind: "docker" | "podman"
  /** `unix:///...`, as DOCKER_HOST would say it. */
  readonly host: string
}

const howToStart =
  "no test engines: set FLEETD_TEST_DOCKER_HOST and/or FLEETD_TEST_PODMAN_HOST.\n" +
  "  Run the whole suite with `npm test` (starts private engines), or by hand:\n" +
  "  bash test/support/engines.sh start && source .engines/env && npx vitest run test/integration"

/**
 * The engines to test against, from the environment engines.sh writes. Never empty:
 * a suite that silently skips its real-engine tests would pass without testing anything.
 */
export const testEngines = (): ReadonlyArray<TestEngine> => {
  const engines: Array<TestEngine> = []
  const docker = process.env["FLEETD_TEST_DOCKER_HOST"]
  const podman = process.env["FLEETD_TEST_PODMAN_HOST"]
  if (docker) engines.push({ kind: "docker", host: docker })
  if (podman) engines.push({ kind: "podman", host: podman })
  if (engines.length === 0) throw new Error(howToStart)
  return engines
}

/**
 * The private single-node Swarm manager (engines.sh's `swarm`), for the swarm target's
 * tests. Required like the others: a missing swarm fails the test, never skips it.
 */
export const swarmEngine = (): TestEngine => {
  const host = process.env["FLEETD_TEST_SWARM_HOST"]
  if (!host)
    throw new Error(
      "no swarm test engine: set FLEETD_TEST_SWARM_HOST.\n" +
        "  `npm test` starts it, or by hand: bash test/support/engines.sh start swarm && source .engines/env",
    )
  return { kind: "docker", host }
}

/**
 * The private two-node swarm (engines.sh's `swarm2`: two dockerds in network namespaces
 * of their own): the manager, where services are created, and the worker's own engine,
 * to see which tasks really run there. Required like the others: a missing swarm2
 * fails the test, never skips it.
 */
export const swarm2Engines = (): { readonly manager: TestEngine; readonly worker: TestEngine } => {
  const manager = process.env["FLEETD_TEST_SWARM2_HOST"]
  const worker = process.env["FLEETD_TEST_SWARM2_WORKER_HOST"]
  if (!manager || !worker)
    throw new Error(
      "no two-node swarm test engines: set FLEETD_TEST_SWARM2_HOST and FLEETD_TEST_SWARM2_WORKER_HOST.\n" +
        "  `npm test` starts them (as root: they live in network namespaces), or by hand:\n" +
        "  bash test/support/engines.sh start swarm2 && source .engines/env",
    )
  return { manager: { kind: "docker", host: manager }, worker: { kind: "docker", host: worker } }
}

/** A fleet name no other test (or earlier run) uses: also the prefix of every name a test creates. */
export const uniqueFleet = (prefix = "it"): string => `${prefix}-${randomBytes(4).toString("hex")}`

/** A raw dockerode client for setup and cleanup, independent of the code under test. */
export const rawClient = (engine: TestEngine): Docker =>
  new Docker({ socketPath: engine.host.replace(/^unix:\/\//, "") })

/**
 * Removes everything a test made on `engine`: containers, networks and volumes labelled
 * with the fleet, its lease records, and containers whose name starts with `<fleet>-` (the unmanaged ones
 * tests create on purpose). Best effort: cleanup must not hide the test's own failure.
 */
export const cleanupFleet = async (engine: TestEngine, fleet: string): Promise<void> => {
  const docker = rawClient(engine)
  const owned = (labels: Record<string, string> | null | undefined) => labels?.[Labels.fleet] === fleet
  const containers = await docker.listContainers({ all: true }).catch(() => [])
  await Promise.all(
    containers
      .filter((c) => owned(c.Labels) || c.Names.some((n) => n.replace(/^\//, "").startsWith(`${fleet}-`)))
      .map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
  )
  const networks = await docker.listNetworks().catch(() => [])
  await Promise.all(
    networks
      .filter((n) => owned(n.Labels) || n.Name.startsWith(`${fleet}-`) || n.Name.startsWith(`${fleet}_`))
      .map((n) =>
        docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined),
      ),
  )
  const volumes = await docker.listVolumes().catch(() => ({ Volumes: [] }))
  await Promise.all(
    (volumes.Volumes ?? [])
      .filter(
        (v) =>
          owned(v.Labels) ||
          v.Labels?.["fleetd.lease"] === fleet ||
          v.Name.startsWith(`${fleet}-`) ||
          v.Name.startsWith(`${fleet}_`),
      )
      .map((v) =>
        docker
          .getVolume(v.Name)
          .remove()
          .catch(() => undefined),
      ),
  )
}

/** A fresh fleet name for the current test, cleaned up when the test's scope closes. */
export const withFleet = (engine: TestEngine, prefix?: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => uniqueFleet(prefix)),
    (fleet) => Effect.promise(() => cleanupFleet(engine, fleet)),
  )

/**
 * Re-runs `check` until it yields a value `done` accepts, or fails after `timeout`.
 * Tests wait on conditions with a deadline, never with fixed sleeps.
 */
export const waitUntil = <A, E, R>(
  check: Effect.Effect<A, E, R>,
  done: (a: A) => boolean,
  options: {
    readonly timeout?: Duration.Input
    readonly interval?: Duration.Input
    readonly what?: string
  } = {},
): Effect.Effect<A, E | Error, R> =>
  Effect.gen(function* () {
    const deadline = Date.now() + Duration.toMillis(Duration.fromInputUnsafe(options.timeout ?? "20 seconds"))
    let last: A = yield* check
    while (!done(last)) {
      if (Date.now() > deadline) {
        return yield* Effect.fail(
          new Error(
            `timed out waiting for ${options.what ?? "a condition"}; last value: ${JSON.stringify(last)}`,
          ),
        )
      }
      yield* Effect.sleep(options.interval ?? "100 millis")
      last = yield* check
    }
    return last
  })

/** The environment of a container that runs, or undefined when it is missing or stopped. */
export const runningEnv = async (
  docker: Docker,
  name: string,
): Promise<ReadonlyArray<string> | undefined> => {
  const info = await docker
    .getContainer(name)
    .inspect()
    .catch(() => undefined)
  return info?.State.Running ? info.Config.Env : undefined
}

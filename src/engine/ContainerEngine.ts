import { Context, type Effect } from "effect"
import type { ReconnectEndpoint } from "../domain/Action.ts"
import type { BuildSpec } from "../domain/BuildSpec.ts"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import type { DesiredNetwork, DesiredVolume } from "../domain/DesiredState.ts"
import type { ObservedContainer, ObservedImage, ObservedResource } from "../domain/ObservedState.ts"
import type { EngineError } from "./EngineError.ts"

export interface EngineInfo {
  readonly kind: "docker" | "podman"
  /** Engine product version, e.g. "20.10.24" or "4.3.1". */
  readonly version: string
  /** Engine API version fleetd negotiated and uses for every call. */
  readonly apiVersion: string
  /** Where the engine was found, e.g. "unix:///var/run/docker.sock". */
  readonly endpoint: string
}

export interface ContainerState {
  readonly id: string
  readonly name: string
  readonly running: boolean
  readonly status: string
  readonly exitCode: number
  readonly restartCount: number
  /** healthy | unhealthy | starting, or undefined when the container has no healthcheck. */
  readonly health?: string
  /** Its `fleetd.fleet` label: the fleet that manages it, or undefined for a container fleetd did not make. */
  readonly fleet?: string
}

/** What a hook step's process did: its exit code, or that it ran out of time, and its output's tail. */
export interface StepOutput {
  /** Undefined when the step timed out. */
  readonly exitCode: number | undefined
  readonly timedOut: boolean
  /** The last lines of stdout and stderr, interleaved, at most 4 KiB. */
  readonly output: string
}

/** What a build did: the built image's id, or the builder's error; the output's tail either way. */
export interface BuildOutcome {
  /** Set when the build succeeded. */
  readonly imageId?: string
  /** The builder's error (a failing step, a bad Dockerfile), when it failed. */
  readonly error?: string
  /** The last lines of the builder's output, at most 4 KiB. */
  readonly output: string
}

/**
 * The container engine, as fleetd uses it: Docker or Podman through the Docker
 * Engine API. Every method fails only with EngineError.
 */
export class ContainerEngine extends Context.Service<
  ContainerEngine,
  {
    /** Pings the engine and tells which one it is. */
    readonly info: Effect.Effect<EngineInfo, EngineError>
    /** Lists every container (running or not) labelled `fleetd.fleet=<fleet>`: one API call. */
    readonly listContainers: (fleet: string) => Effect.Effect<ReadonlyArray<ObservedContainer>, EngineError>
    /**
     * Lists every container labelled `fleetd.fleet`, whatever the fleet: one API call. A
     * daemon serving projects learns from it which fleets exist (an orphaned project's
     * too) and plans every project from this one listing.
     */
    readonly listManagedContainers: Effect.Effect<ReadonlyArray<ObservedContainer>, EngineError>
    /** Lists local images with their normalized references: one API call. */
    readonly listImages: Effect.Effect<ReadonlyArray<ObservedImage>, EngineError>
    /** Pulls an image reference and waits until the pull finished; returns the image id. */
    readonly pullImage: (ref: string) => Effect.Effect<string, EngineError>
    /**
     * Builds `tag` from a context through the engine's build API and waits for it; a
     * builder error is an outcome, not an EngineError. `labels` are fleetd's own.
     */
    readonly build: (
      tag: string,
      build: BuildSpec,
      labels: Readonly<Record<string, string>>,
    ) => Effect.Effect<BuildOutcome, EngineError>
    /** Creates a network unless one of that name exists; fails Conflict if it exists unlabelled for this fleet. */
    readonly ensureNetwork: (fleet: string, network: DesiredNetwork) => Effect.Effect<void, EngineError>
    /** Creates a volume unless one of that name exists; fails Conflict if it exists unlabelled for this fleet. */
    readonly ensureVolume: (fleet: string, volume: DesiredVolume) => Effect.Effect<void, EngineError>
    /** Lists the networks labelled `fleetd.fleet=<fleet>`: one API call. */
    readonly listNetworks: (fleet: string) => Effect.Effect<ReadonlyArray<ObservedResource>, EngineError>
    /** Lists the volumes labelled `fleetd.fleet=<fleet>`: one API call. */
    readonly listVolumes: (fleet: string) => Effect.Effect<ReadonlyArray<ObservedResource>, EngineError>
    /**
     * Creates a local volume named `name` with `labels` unless one of that name exists,
     * and returns the labels of the volume that has the name: the caller's when it
     * created it, the first creator's otherwise. Docker 20.10 and Podman 4.3 both answer
     * concurrent creates of one name with the one volume that won (measured: docs/lease.md),
     * which makes this the atomic step of the fleet lease.
     */
    readonly claimVolume: (
      name: string,
      labels: Readonly<Record<string, string>>,
    ) => Effect.Effect<Readonly<Record<string, string>>, EngineError>
    /** Lists the volumes labelled `key=value`, whatever their fleet: one API call. */
    readonly listVolumesLabelled: (
      key: string,
      value: string,
    ) => Effect.Effect<ReadonlyArray<ObservedResource>, EngineError>
    /** Removes a network by id; removing a missing one succeeds. */
    readonly removeNetwork: (id: string) => Effect.Effect<void, EngineError>
    /** Removes a volume by name; removing a missing one succeeds. */
    readonly removeVolume: (name: string) => Effect.Effect<void, EngineError>
    /** Connects a container to a network under the given aliases (and static addresses, links). */
    readonly connectNetwork: (
      network: string,
      containerId: string,
      aliases: ReadonlyArray<string>,
      endpoint?: ReconnectEndpoint,
    ) => Effect.Effect<void, EngineError>
    /** Disconnects a container from a network (forcefully). */
    readonly disconnectNetwork: (network: string, containerId: string) => Effect.Effect<void, EngineError>
    /** Creates (does not start) a container; `labels` are fleetd's own, merged over the spec's. Returns its id. */
    readonly createContainer: (
      name: string,
      spec: ContainerSpec,
      labels: Readonly<Record<string, string>>,
    ) => Effect.Effect<string, EngineError>
    /**
     * Extracts a tar archive into a container (created or running) at `path`. Owners and
     * modes are the archive's: copyUIDGID is never sent (on Docker it chowns to the
     * container's `user`, or fails when that user is not in /etc/passwd; Podman likewise).
     */
    readonly putArchive: (id: string, path: string, archive: Uint8Array) => Effect.Effect<void, EngineError>
    /** Starts a container; starting a running one succeeds. */
    readonly startContainer: (id: string) => Effect.Effect<void, EngineError>
    /** Stops a container, waiting at most `timeoutSeconds` before the engine kills it; stopping a stopped one succeeds. */
    readonly stopContainer: (id: string, timeoutSeconds: number) => Effect.Effect<void, EngineError>
    /** Removes a container (forcefully, with its anonymous volumes); removing a missing one succeeds. */
    readonly removeContainer: (id: string) => Effect.Effect<void, EngineError>
    /** Renames a container. */
    readonly renameContainer: (id: string, name: string) => Effect.Effect<void, EngineError>
    /** Reads a container's current state. */
    readonly inspectContainer: (id: string) => Effect.Effect<ContainerState, EngineError>
    /** The last `tail` lines of a container's stdout and stderr, interleaved, at most 4 KiB. */
    readonly containerLogs: (id: string, tail: number) => Effect.Effect<string, EngineError>
    /**
     * Runs a command in a running container and waits for it, at most `timeoutMs`. The
     * Engine API cannot kill an exec'd process: on timeout it is left running.
     */
    readonly exec: (
      id: string,
      command: ReadonlyArray<string>,
      options: { readonly user?: string; readonly timeoutMs: number },
    ) => Effect.Effect<StepOutput, EngineError>
    /**
     * Creates a one-shot container, starts it, waits at most `timeoutMs` (then kills it),
     * reads its output and removes it, whatever happened.
     */
    readonly runOnce: (
      name: string,
      spec: ContainerSpec,
      labels: Readonly<Record<string, string>>,
      timeoutMs: number,
    ) => Effect.Effect<StepOutput, EngineError>
  }
>()("fleetd/engine/ContainerEngine") {}

import type { BuildResult } from "./BuildSpec.ts"
import type { HookResult } from "./HookResult.ts"
import type { ObservedPort } from "./ObservedState.ts"
import type { HealthStatus, PassResult, SyncStatus } from "./statusVocabulary.ts"

/**
 * What `/status` answers and `fleetd status` renders (docs/status.md). Times are ISO
 * 8601 strings; fields are only ever added.
 */
export interface ServiceStatus {
  readonly name: string
  readonly image: string
  /** `x-fleetd.track: digest`: the tag's digest is followed, and pushes of it trigger a check. */
  readonly track?: "digest"
  /** The container's name, once it exists. */
  readonly container?: string
  /** The id (`sha256:...`) of the image the container runs, as the engine listed it. */
  readonly imageId?: string
  /** That image's repository digest (`name@sha256:...`), when it was pulled from a registry. */
  readonly digest?: string
  /**
   * The running container's ports as the engine lists them: published (`hostIp`,
   * `hostPort` → `containerPort`/`protocol`) and exposed ones (no host side). Absent
   * while the container is not running, and for a service changed by the last pass
   * until a pass observes its new container.
   */
  readonly ports?: ReadonlyArray<ObservedPort>
  readonly sync: SyncStatus
  readonly health: HealthStatus
  /** The swarm target only: the Swarm service's replicas, tasks and last update (docs/status.md). */
  readonly swarm?: SwarmServiceStatus
  /** A job that has run (health `Completed`, or sync `Failed`): its container's exit code. */
  readonly exitCode?: number
  /** With sync `Suspended`: the reason given in `x-fleetd.suspend`. */
  readonly suspended?: string
  /**
   * A first creation no pass waited for (firstCreation.ts): `Progressing` until its health
   * is known; `Failed` when it did not become healthy (sync `Failed`, `lastError` says
   * why), until it is healthy or replaced. Absent once healthy, and for anything else.
   */
  readonly firstHealth?: "Progressing" | "Failed"
  readonly lastChange?: {
    readonly at: string
    readonly outcome: string
    readonly reason?: string
    readonly revision: string
    /** The hook steps of that change, in order. */
    readonly hooks?: ReadonlyArray<HookResult>
    /** The build of the image that change runs (`build:`), when that pass built it. */
    readonly build?: BuildResult
  }
  readonly lastError?: {
    readonly at: string
    readonly message: string
    /** The hook steps of the failed change, the failed one last. */
    readonly hooks?: ReadonlyArray<HookResult>
    /** The failed build (`build:`): the builder's error and its output's tail. */
    readonly build?: BuildResult
  }
}

/** A Swarm service as the last pass saw it (after its changes). */
export interface SwarmServiceStatus {
  /** Tasks running, and tasks Swarm wants running (`replicas`; for a global service, one per eligible node). */
  readonly running: number
  readonly desired: number
  /** The tasks Swarm wants running, then the newest failed ones (at most 3). */
  readonly tasks: ReadonlyArray<{
    readonly id: string
    readonly slot?: number
    /** The node's hostname. */
    readonly node: string
    readonly state: string
    readonly desiredState: string
    readonly error?: string
  }>
  /** Swarm's `UpdateStatus`: `updating`, `completed`, `paused`, `rollback_completed`, ... */
  readonly update?: { readonly state: string; readonly message?: string }
}

export interface StalledStatus {
  readonly revision: string
  readonly reason: string
  /** `file:line:column: path: message` lines when the manifest was invalid. */
  readonly issues: ReadonlyArray<string>
  /** Refused by --verify-commits (not signed by a trusted key) rather than invalid: checked again every pass, as the keys file may change. */
  readonly unverified?: true
}

/** The revision --verify-commits last accepted, and who signed it (docs/verification.md). */
export interface VerifiedStatus {
  readonly revision: string
  readonly format: "ssh" | "openpgp"
  readonly fingerprint: string
  readonly principal: string
  /** The head commit, or the annotated tag pinned by --ref. */
  readonly object: "commit" | "tag"
}

/** What one pass did to one service (`lastPass.changes`, and `POST /sync?wait=true`). */
export interface PassChange {
  readonly service: string
  /** The project's fleet, for a `--projects` daemon. */
  readonly fleet?: string
  /** `created`, `replaced`, `unchanged`, `failed`, `rolled-back` ... (docs/json-output.md). */
  readonly outcome: string
  /** Why it changed ("spec changed", "image changed"), or why it failed. */
  readonly reason?: string
  /** The fields that changed, for a replacement. */
  readonly fields?: ReadonlyArray<string>
  /** The revision of the service's previous change, when this daemon saw it. */
  readonly fromRevision?: string
  /** The revision this pass applied (for a change: what the service now runs). */
  readonly toRevision?: string
  /** For a replacement that changed the image: the image id (sha256 digest) it ran. */
  readonly fromImage?: string
  /** ... and the one it runs now. */
  readonly toImage?: string
}

export interface PassStatus {
  /** The pass's number since fleetd started (1, 2, ...): what `POST /sync` answers. */
  readonly id?: number
  readonly triggers: ReadonlyArray<string>
  readonly startedAt: string
  readonly finishedAt?: string
  readonly durationMs?: number
  readonly result?: PassResult
  readonly revision?: string
  readonly error?: string
  /** Per service, what the pass did (once it has reconciled; absent when it stopped before). */
  readonly changes?: ReadonlyArray<PassChange>
}

export interface EngineStatus {
  /** Undefined until the first pass has talked to the engine. */
  readonly reachable: boolean | undefined
  readonly kind?: string
  readonly version?: string
  readonly apiVersion?: string
  readonly error?: string
}

/**
 * `Progressing`: the last pass applied everything, but a service it created (not waiting
 * for its health: firstCreation.ts) has no known health yet; then `Synced` or `Degraded`.
 * `Waiting`: another fleetd holds the fleet's lease (`leases` says who); nothing is applied.
 * `Standby`: a new fleetd waiting to take over from the one that started it (docs/self-update.md).
 */
export type Phase =
  | "Starting"
  | "Reconciling"
  | "Synced"
  | "Progressing"
  | "Degraded"
  | "Stalled"
  | "Failing"
  | "Waiting"
  | "Standby"

/** Who holds (or held) a fleet's lease, as its records on the engine say (docs/lease.md). */
export interface LeaseHolder {
  /** Unique per process: tells one fleetd's records from another's with the same pid or host. */
  readonly id: string
  /** The host name (in a container: its id). */
  readonly host: string
  readonly pid: number
  /** `run` (the daemon) or `apply`. */
  readonly command: string
  /** For a daemon run from a config file: the source whose loop holds it. */
  readonly source?: string
  /** When the holder process started, ISO 8601. */
  readonly startedAt: string
}

/** One fleet's lease as this daemon knows it: held by it, or waited for. */
export interface LeaseStatus {
  readonly fleet: string
  readonly held: boolean
  /** This daemon when held; the other fleetd when waiting. */
  readonly holder: LeaseHolder
  /** Since when this daemon holds it, or has been waiting for it. */
  readonly since: string
  /** When waiting: when the lease expires unless its holder renews it. */
  readonly expiresAt?: string
}

/** One project of a `--projects` daemon: its own fleet, with its own phase. */
export interface ProjectStatus {
  /** The project's directory, relative to the repository. */
  readonly dir: string
  /** Its compose file, relative to the repository. */
  readonly file: string
  readonly fleet: string
  /** `Synced`, `Degraded` (a service failed), `Stalled` (invalid; left as it runs) or `Failing` (engine). */
  readonly phase: Phase
  readonly lastAppliedRevision?: string
  readonly stalled?: StalledStatus
  readonly services: ReadonlyArray<ServiceStatus>
}

/** A fleet a removed project directory left behind (see docs/projects.md). */
export interface OrphanedStatus {
  readonly fleet: string
  readonly dir: string
  readonly containers: ReadonlyArray<string>
  /** Removed this pass (`--prune-projects`); otherwise only reported. */
  readonly pruned: boolean
}

export interface FleetStatus {
  readonly fleet: string | undefined
  readonly source: { readonly kind: "git" | "dir"; readonly location: string; readonly ref: string }
  readonly phase: Phase
  readonly lastAttemptedRevision?: string
  readonly lastAppliedRevision?: string
  /** The revision the running pass is applying (set at its reconcile step, cleared at its end). */
  readonly rollingOut?: string
  readonly lastSuccessfulAt?: string
  readonly lastPass?: PassStatus
  readonly nextPassAt?: string
  readonly stalled?: StalledStatus
  /** With --verify-commits: the last revision whose signature was accepted, and its signer. */
  readonly verified?: VerifiedStatus
  readonly engine: EngineStatus
  readonly services: ReadonlyArray<ServiceStatus>
  /** With `--projects`: one entry per project (then `fleet` is unset and `services` empty). */
  readonly projects?: ReadonlyArray<ProjectStatus>
  /** With `--projects`: fleets of project directories that are gone. */
  readonly orphaned?: ReadonlyArray<OrphanedStatus>
  /** The lease of each fleet this daemon manages (held, or waited for while another fleetd holds it). */
  readonly leases?: ReadonlyArray<LeaseStatus>
}

/** One source of the daemon (`sources[]` of `/status`): its name, then its fleet status. */
export interface SourceStatus extends FleetStatus {
  /** The config file's source name (`default` when fleetd runs from flags). */
  readonly name: string
}

/** The config file as last read (docs/config-file.md); absent when fleetd runs from flags. */
export interface ConfigFileStatus {
  readonly file: string
  readonly loadedAt: string
  /** Why the last reload was refused; the configuration loaded at `loadedAt` still runs. */
  readonly error?: { readonly at: string; readonly message: string }
}

/** One notification target's delivery (`notifications[]` of `/status`, docs/notifications.md). */
export interface NotificationTargetStatus {
  /** The scheme and the URL's place in the list (`json #1`): never the URL, which holds tokens. */
  readonly target: string
  /** Its last message could not be delivered, retries included. */
  readonly failing: boolean
  readonly lastError?: string
  /** Since when it fails (ISO 8601). */
  readonly since?: string
  readonly delivered: number
  /** Messages dropped: its queue was full, or every attempt failed. */
  readonly dropped: number
}

/**
 * What `/status` answers: every source, and with exactly one source (fleetd run from
 * flags, or a config file with one entry) that source's fields at the top level too,
 * as before sources existed. With several, the top level has the daemon's phase (the
 * worst of its sources') and engine only.
 */
export interface DaemonStatus extends Partial<FleetStatus> {
  readonly phase: Phase
  readonly engine: EngineStatus
  readonly sources: ReadonlyArray<SourceStatus>
  readonly config?: ConfigFileStatus
  /** One entry per notification target, when any is configured. */
  readonly notifications?: ReadonlyArray<NotificationTargetStatus>
}

import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Duration, Effect, Fiber, Option, Result } from "effect"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import type { FleetStatus, StalledStatus } from "../domain/FleetStatus.ts"
import { passPhase } from "../domain/firstCreation.ts"
import type { PassResult } from "../domain/statusVocabulary.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { ageKeyFileFrom } from "../manifest/decryptSopsFiles.ts"
import { createDirectories } from "../manifest/hostFiles.ts"
import { loadManifest } from "../manifest/loadManifest.ts"
import { formatManifestIssue } from "../manifest/ManifestError.ts"
import { hashKeyPath } from "../manifest/secretHashKey.ts"
import { withProfiles } from "../manifest/withProfiles.ts"
import { logEvent } from "../observability/logEvent.ts"
import { Metrics } from "../observability/Metrics.ts"
import { applyPolicy } from "../policy/applyPolicy.ts"
import { emptyPolicy } from "../policy/Policy.ts"
import { policyIssues } from "../policy/policyIssues.ts"
import { type ChangeSet, hasFailures, isFailure, type ServiceResult } from "../reconciler/ChangeSet.ts"
import { listResources, observe } from "../reconciler/reconcile.ts"
import { serviceStatuses } from "../reconciler/serviceStatuses.ts"
import { withSwarmFacts } from "../reconciler/swarmServiceStatuses.ts"
import { ManifestSource, type Signer, type SourceSnapshot } from "../source/ManifestSource.ts"
import { FileWatcher } from "../triggers/FileWatcher.ts"
import { FleetLease } from "./FleetLease.ts"
import { describeHolder } from "./leaseDecision.ts"
import { markRollingOut } from "./markRollingOut.ts"
import { fleetMemory, PassMemory } from "./PassMemory.ts"
import { reconcileHolding } from "./reconcileHolding.ts"
import { startPass, unreachable } from "./recordPass.ts"
import { StatusStore } from "./StatusStore.ts"
import { syncSource } from "./syncSource.ts"
import { refusedRevision, unverifiedPass } from "./unverifiedPass.ts"
import { waitForLease } from "./waitForLease.ts"
import { watchFirstHealth } from "./watchFirstHealth.ts"

/** How soon a pass that left Swarm tasks starting is followed by another. */
const swarmRecheckMs = 3000

/** What the loop needs to know about a pass: whether to back off before the next one. */
export interface PassOutcome {
  readonly result: PassResult
  /** A retryable failure (source or engine unavailable): retry sooner, with backoff. */
  readonly retry: boolean
  /** Start the next pass this soon instead (a pass that waited for the lease waits on). */
  readonly waitMs?: number
  /** This fleetd handed its own service over to a standby (handOver.ts): it must apply nothing more. */
  readonly handedOver?: true
}

/**
 * One pass of the daemon, as named steps: sync the source, skip a revision already
 * known to be invalid, load the manifest, reconcile, record status and metrics. It
 * never fails: every error is a status, a metric and a log line, and the loop decides
 * when to run again. A pass never branches on why it runs, except that a file change
 * re-reads a stalled revision (in directory mode a fix may not change the manifest).
 * What it remembers for the next pass is in PassMemory.
 */
export const daemonPass = Effect.fn("daemonPass")(function* (triggers: ReadonlyArray<string>) {
  const config = yield* DaemonConfig
  const memory = yield* PassMemory
  const source = yield* ManifestSource
  const status = yield* StatusStore
  const metrics = yield* Metrics
  const listing = yield* listWhileSyncing(triggers)
  const { finish } = yield* startPass(triggers)

  const git = source.describe.kind === "git"
  const cacheable = git && config.localFiles === undefined
  // A revision already found invalid waits for a new one (a file change re-reads it;
  // with --local-files every pass does, since the fix may be a file kept on the host).
  const stalledAt = (s: FleetStatus, revision: string) =>
    s.stalled?.revision === revision &&
    s.stalled.unverified !== true &&
    !triggers.includes("file") &&
    config.localFiles === undefined
  const load = (root: string) =>
    Effect.result(
      loadManifest(join(root, config.path), {
        fleet: config.fleet,
        environment: withProfiles(process.env, config.profiles ?? []),
        repository: root,
        localFiles: config.localFiles,
        ageKeyFile: ageKeyFileFrom(process.env),
        hashKey: { path: hashKeyPath(process.env, config.dataDir), create: true },
        target: config.swarm === true ? "swarm" : undefined,
        // The checkout is cleaned on every sync: data found nowhere lives in the data dir.
        binds: git ? join(config.dataDir, "binds") : undefined,
      }),
    )
  // A new revision's manifest is read while git proves its checkout clean (GitSource),
  // unless the pass will not read it: the same revision is remembered, or it is stalled.
  const remembered = cacheable ? (yield* memory.get).manifest : undefined
  const stalledBefore = yield* status.get
  const readAhead = (s: SourceSnapshot) =>
    remembered?.revision === s.revision || stalledAt(stalledBefore, s.revision) ? undefined : load(s.root)

  // 1. Source: fetch and reset to the tracked head.
  const synced = yield* syncSource(triggers, readAhead)
  if (synced._tag === "Failure") {
    const error = synced.failure
    const refused = refusedRevision(error)
    if (refused !== undefined) return yield* unverifiedPass(refused, finish)
    yield* logEvent("Error", "pass: cannot read the source", { reason: error.reason, error: error.message })
    const seconds = yield* finish("error", undefined, (s) => ({ ...s, phase: "Failing" }), error.message)
    yield* metrics.recordPass("error", seconds, [])
    return { result: "error", retry: true } satisfies PassOutcome
  }
  const snapshot = synced.success.snapshot
  const { revision, root } = snapshot

  // 2. A revision already found invalid waits for a new one.
  const before = yield* status.get
  if (stalledAt(before, revision)) {
    yield* logEvent("Debug", "pass: revision is stalled; waiting for a new one", { revision })
    const seconds = yield* finish("skipped", revision, (s) => ({ ...s, phase: "Stalled" }))
    yield* metrics.recordPass("skipped", seconds, [])
    return { result: "skipped", retry: false } satisfies PassOutcome
  }

  // 3. Manifest: a revision that fails validation is rejected whole; nothing is touched.
  const loaded =
    remembered?.revision === revision
      ? Result.succeed(remembered.loaded)
      : (synced.success.read?.value ?? (yield* load(root)))
  if (cacheable && loaded._tag === "Success") {
    const manifest = { revision, loaded: loaded.success }
    yield* memory.update((m) => ({ ...m, manifest }))
  }
  if (loaded._tag === "Failure") {
    const error = loaded.failure
    const issues = error.issues.map((issue) => formatManifestIssue(config.path, issue))
    return yield* stall(revision, { revision, reason: `${config.path} is invalid`, issues })
  }
  const { warnings, files, issueAt, directories } = loaded.success
  // Only fleetd writes a checkout: in git mode only --local-files are worth watching.
  const local = config.localFiles === undefined ? undefined : `${config.localFiles}/`
  yield* (yield* FileWatcher).follow(
    git ? files.filter((f) => local !== undefined && f.startsWith(local)) : files,
  )
  for (const warning of warnings) yield* logEvent("Warn", `manifest: ${warning}`, { revision })

  // 3b. Operator policy: a violating service is blocked alone (left as it runs); the rest proceeds.
  const policed = applyPolicy(loaded.success.desired, config.policy ?? emptyPolicy)
  const desired = policed.desired
  for (const issue of policyIssues(policed.violations, issueAt))
    yield* logEvent("Error", `policy: ${formatManifestIssue(config.path, issue)}`, {
      revision,
      service: issue.service,
    })

  // 3c. Bind sources found nowhere are a container's data: created before it starts, as in Compose.
  const created = yield* Effect.result(
    createDirectories(directories).pipe(Effect.provide(NodeFileSystem.layer)),
  )
  if (created._tag === "Failure") {
    const error = `cannot create a bind mount source: ${created.failure.message}`
    yield* logEvent("Error", `pass: ${error}`, { revision })
    const seconds = yield* finish(
      "error",
      revision,
      (s) => ({ ...s, phase: "Failing", lastAttemptedRevision: revision }),
      error,
    )
    yield* metrics.recordPass("error", seconds, [])
    return { result: "error", retry: true } satisfies PassOutcome
  }

  // 3d. Lease: one writer per fleet per engine. While another fleetd holds it this pass
  // waits (status says who), up to a poll interval; then the next pass syncs and waits again.
  const leased = yield* Effect.result(
    waitForLease(desired.fleet, config.interval, (waiting) =>
      Effect.andThen(
        status.update((s) => ({ ...s, fleet: desired.fleet, phase: "Waiting" })),
        logEvent("Info", `pass: waiting for the lease of fleet ${desired.fleet}`, {
          revision,
          holder: describeHolder(waiting.holder),
          expiresAt: new Date(waiting.expiresAt).toISOString(),
        }),
      ),
    ),
  )
  if (leased._tag === "Failure") return yield* engineDown(leased.failure)
  if (leased.success._tag === "Waiting") {
    const seconds = yield* finish("skipped", revision, (s) => ({
      ...s,
      fleet: desired.fleet,
      phase: "Waiting",
    }))
    yield* metrics.recordPass("skipped", seconds, [])
    return { result: "skipped", retry: false, waitMs: 0 } satisfies PassOutcome
  }

  // 4. Reconcile, holding specs rolled back at this revision (reconcileHolding).
  yield* markRollingOut(revision)
  const remember = fleetMemory(memory, desired.fleet)
  // A lease lost mid-pass (taken over, or not renewable) stops it between two actions.
  const reconciled = yield* Effect.raceFirst(
    Effect.map(
      Effect.result(
        reconcileHolding(desired, revision, yield* remember.held.get, {
          resources: remember.resources,
          failedBuilds: remember.failedBuilds,
          ...(listing?.fleet === desired.fleet
            ? {
                listed: listing.listed,
                ...(listing.listedResources === undefined
                  ? {}
                  : { listedResources: listing.listedResources }),
              }
            : {}),
        }),
      ),
      Option.some,
    ),
    Effect.as((yield* FleetLease).lost(desired.fleet), Option.none()),
  )
  if (Option.isNone(reconciled)) {
    const reason = `lost the lease of fleet ${desired.fleet} during the pass; stopped between two actions`
    yield* logEvent("Warn", `pass: ${reason}`, { revision })
    const seconds = yield* finish("skipped", revision, (s) => ({ ...s, phase: "Waiting" }), reason)
    yield* metrics.recordPass("skipped", seconds, [])
    return { result: "skipped", retry: false, waitMs: 0 } satisfies PassOutcome
  }
  const applied = reconciled.value
  if (applied._tag === "Failure") {
    const error = applied.failure
    if (error._tag === "EmptyFleetRefused") {
      return yield* stall(revision, { revision, reason: error.message, issues: [] })
    }
    return yield* engineDown(error)
  }

  // 5. Record what happened.
  const { changes, observed, retry, handedOver } = applied.success
  yield* remember.held.update(() => applied.success.held)
  const failed = hasFailures(changes)
  const result: PassResult = failed ? "partial" : "success"
  // Which engine answered: asked once, and again after it was unreachable (it may have changed).
  const known = before.engine.reachable === true && before.engine.kind !== undefined
  const info = known ? undefined : yield* Effect.option((yield* ContainerEngine).info)
  let services: FleetStatus["services"] = []
  const seconds = yield* finish(
    result,
    revision,
    (s, now) => {
      services = serviceStatuses(desired, observed.containers, changes, s.services, now, observed.images)
      if ("swarm" in applied.success) services = withSwarmFacts(desired, services, applied.success.swarm, now)
      const { stalled: _cleared, ...rest } = s
      return {
        ...rest,
        fleet: desired.fleet,
        phase: passPhase(failed, services),
        lastAttemptedRevision: revision,
        ...(failed ? {} : { lastAppliedRevision: revision, lastSuccessfulAt: now }),
        engine:
          info === undefined
            ? s.engine
            : info._tag === "Some"
              ? { reachable: true, ...info.value }
              : { reachable: true },
        services,
      }
    },
    undefined,
    [changes],
  )
  yield* metrics.recordPass(result, seconds, actionOutcomes(changes))
  yield* metrics.setServices(
    services.map((s) => ({ fleet: desired.fleet, service: s.name, sync: s.sync, health: s.health })),
  )
  yield* metrics.setStalled(false)
  if (!failed) yield* metrics.setRevision(revision)
  yield* logChangeSet(changes, triggers, seconds, snapshot.signer)
  // First creations the pass did not wait for: their health is settled beside the loop.
  if (services.some((s) => s.firstHealth === "Progressing"))
    yield* Effect.forkChild(watchFirstHealth(desired, changes))
  // A registry that did not answer is asked again with backoff, not only at the next poll.
  if (handedOver) {
    // The standby is in charge now: let the new fleetd have the lease without waiting for our exit.
    yield* (yield* FleetLease).release(desired.fleet)
    return { result, retry, handedOver: true } satisfies PassOutcome
  }
  // Swarm starts tasks after the pass: while some are on their way, look again soon, so
  // status shows them running (or failing) without waiting for the next poll.
  if (services.some((s) => s.swarm !== undefined && s.health === "Starting"))
    return {
      result,
      retry,
      waitMs: Math.min(swarmRecheckMs, Duration.toMillis(config.interval)),
    } satisfies PassOutcome
  return { result, retry } satisfies PassOutcome

  function engineDown(error: EngineError) {
    return Effect.gen(function* () {
      yield* logEvent("Error", "pass: container engine unavailable", { revision, error: error.message })
      const seconds = yield* finish(
        "error",
        revision,
        (s) => ({
          ...s,
          phase: "Failing",
          lastAttemptedRevision: revision,
          engine: unreachable(s.engine, error.message),
        }),
        error.message,
      )
      yield* metrics.recordPass("error", seconds, [])
      return { result: "error", retry: error.reason === "Unavailable" } satisfies PassOutcome
    })
  }

  function stall(revision: string, stalled: StalledStatus) {
    return Effect.gen(function* () {
      yield* logEvent("Error", `pass: revision stalled: ${stalled.reason}`, {
        revision,
        issues: stalled.issues,
      })
      const seconds = yield* finish(
        "stalled",
        revision,
        (s) => ({ ...s, phase: "Stalled", stalled, lastAttemptedRevision: revision }),
        stalled.reason,
      )
      yield* metrics.recordPass("stalled", seconds, [])
      yield* metrics.setStalled(true)
      return { result: "stalled", retry: false } satisfies PassOutcome
    })
  }
})

/**
 * The fleet's containers and the images, listed beside the source's sync (a fetch takes
 * tens of ms; the two list calls ran after it): a push reaches the engine that much
 * sooner, and a no-op pass ends sooner. A pass someone asked for (a push, `fleetd sync`)
 * usually creates or replaces a container, which needs the fleet's networks and volumes
 * listed first (reconcile.ts): those two calls are made beside the sync too. Only when
 * the last pass reconciled (so this fleetd held the fleet's lease, which it renews in
 * the background) and only for the fleet it reconciled; reconcile uses them only when
 * the manifest still names that fleet. A pass that ends before reconciling leaves the
 * calls to finish on their own.
 */
const listWhileSyncing = Effect.fnUntraced(function* (triggers: ReadonlyArray<string>) {
  const last = yield* (yield* StatusStore).get
  const reconciled = last.lastPass?.result === "success" || last.lastPass?.result === "partial"
  if (last.fleet === undefined || last.projects !== undefined || !reconciled) return undefined
  const askedFor = triggers.some((t) => t !== "poll")
  return {
    fleet: last.fleet,
    listed: yield* beside(observe(last.fleet, false)),
    ...(askedFor ? { listedResources: yield* beside(listResources(last.fleet)) } : {}),
  }
})

/** Starts `list` in a child fiber; gives the effect that awaits its outcome. */
const beside = <A, R>(list: Effect.Effect<A, EngineError, R>) =>
  // Never failing on its own: a pass that does not use it must not leave a failed fiber behind.
  Effect.map(Effect.forkChild(Effect.result(list)), (fiber) =>
    Effect.flatMap(Fiber.join(fiber), (r) =>
      Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure),
    ),
  )

/** The metric's action for a network or volume result (`ensure_network`, `remove_volume`, ...). */
const resourceVerbs: Partial<Record<string, string>> = { recreated: "recreate", removed: "remove" }

export const actionOutcomes = (changes: ChangeSet) => [
  // Kept volumes and blocked resources are reported by every pass that lists them: not actions.
  ...changes.resources
    .filter((r) => r.outcome !== "kept" && r.outcome !== "blocked")
    .map((r) => ({
      action: r.kind === "image" ? "pull" : `${resourceVerbs[r.outcome] ?? "ensure"}_${r.kind}`,
      outcome: r.outcome === "failed" ? ("failure" as const) : ("success" as const),
    })),
  // A held or suspended service, or a job that has run, did nothing this pass: counting
  // it would grow a counter every pass.
  ...changes.services
    .filter(
      (s) =>
        s.outcome !== "unchanged" && s.outcome !== "held" && s.outcome !== "suspended" && !isFinishedJob(s),
    )
    .map((s) => ({
      action:
        s.outcome === "failed" || s.outcome === "blocked"
          ? "service"
          : s.outcome === "rolled-back"
            ? "rollback"
            : s.outcome,
      outcome: isFailure(s.outcome) ? ("failure" as const) : ("success" as const),
    })),
]

/** A job reported from its exited container (not something this pass ran). */
const isFinishedJob = (s: ServiceResult) =>
  s.exitCode !== undefined && (s.outcome === "completed" || s.outcome === "failed")

export const logChangeSet = (
  changes: ChangeSet,
  triggers: ReadonlyArray<string>,
  seconds: number,
  /** Who signed the revision (--verify-commits). */
  signer?: Signer,
) => {
  const changed = changes.services.filter((s) => s.outcome !== "unchanged" && s.outcome !== "completed")
  const summary = changed.map((s) => `${s.service}: ${s.outcome}${s.reason ? ` (${s.reason})` : ""}`)
  return logEvent("Info", changed.length === 0 ? "pass: in sync" : `pass: ${summary.join("; ")}`, {
    revision: changes.revision,
    triggers,
    durationMs: Math.round(seconds * 1000),
    changes: changed.map((s) => ({
      service: s.service,
      outcome: s.outcome,
      reason: s.reason,
      fields: s.changes,
    })),
    unchanged: changes.services.length - changed.length,
    ...(signer === undefined
      ? {}
      : { signer: { format: signer.format, fingerprint: signer.fingerprint, principal: signer.principal } }),
  })
}

import { join } from "node:path"
import { Duration, Effect, Result } from "effect"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import type { OrphanedStatus, ProjectStatus } from "../domain/FleetStatus.ts"
import type { PassResult } from "../domain/statusVocabulary.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { ageKeyFileFrom } from "../manifest/decryptSopsFiles.ts"
import { diskDirectory } from "../manifest/discoverProjects.ts"
import { type LoadedProjects, loadProjects } from "../manifest/loadProjects.ts"
import { parseProjectPatterns } from "../manifest/projectGlob.ts"
import { hashKeyPath } from "../manifest/secretHashKey.ts"
import { withProfiles } from "../manifest/withProfiles.ts"
import { logEvent } from "../observability/logEvent.ts"
import { Metrics } from "../observability/Metrics.ts"
import { observeProjects, pruneFleet } from "../reconciler/projectFleets.ts"
import { sharedListings } from "../reconciler/sharedListings.ts"
import { ManifestSource } from "../source/ManifestSource.ts"
import { FileWatcher } from "../triggers/FileWatcher.ts"
import { actionOutcomes, logChangeSet, type PassOutcome } from "./daemonPass.ts"
import { FleetLease } from "./FleetLease.ts"
import { markRollingOut } from "./markRollingOut.ts"
import { PassMemory } from "./PassMemory.ts"
import { reconcileProject } from "./reconcileProject.ts"
import { startPass, unreachable } from "./recordPass.ts"
import { StatusStore } from "./StatusStore.ts"
import { syncSource } from "./syncSource.ts"
import { refusedRevision, unverifiedPass } from "./unverifiedPass.ts"
import { watchFirstHealth } from "./watchFirstHealth.ts"

/**
 * One pass of a `--projects` daemon: sync the source once, discover and load the
 * projects, observe the engine once for all of them (two list calls), reconcile each
 * project as its own fleet (an invalid or failing one alone), report or prune the
 * orphaned ones, record status and metrics per project. Never fails. A git revision
 * names every file of every project for ever, so its projects are discovered and loaded
 * once (PassMemory); directory mode reloads every pass.
 */
export const projectsPass = Effect.fn("projectsPass")(function* (triggers: ReadonlyArray<string>) {
  const config = yield* DaemonConfig
  const memory = yield* PassMemory
  const source = yield* ManifestSource
  const status = yield* StatusStore
  const metrics = yield* Metrics
  const { finish } = yield* startPass(triggers)
  // The pass's status is written once, by `finish`: an engine that failed is part of that one write.
  const failing = Effect.fnUntraced(function* (
    revision: string | undefined,
    message: string,
    retry: boolean,
    engineDown = false,
  ) {
    const seconds = yield* finish(
      "error",
      revision,
      (s) => ({ ...s, phase: "Failing", engine: engineDown ? unreachable(s.engine, message) : s.engine }),
      message,
    )
    yield* metrics.recordPass("error", seconds, [])
    const outcome: PassOutcome = { result: "error", retry }
    return outcome
  })

  // 1. Source: fetch and reset to the tracked head (once for every project).
  const snapshot = yield* syncSource(triggers)
  if (Result.isFailure(snapshot)) {
    const refused = refusedRevision(snapshot.failure)
    if (refused !== undefined) return yield* unverifiedPass(refused, finish)
    yield* logEvent("Error", "pass: cannot read the source", { error: snapshot.failure.message })
    return yield* failing(undefined, snapshot.failure.message, true)
  }
  const { revision, root } = snapshot.success.snapshot

  // 2. Projects: discovered and loaded once per git revision (every pass with
  // --local-files, whose files change outside git).
  const git = source.describe.kind === "git"
  const cacheable = git && config.localFiles === undefined
  const remembered = cacheable ? (yield* memory.get).projects : undefined
  let loaded: LoadedProjects
  if (remembered?.revision === revision) loaded = remembered.loaded
  else {
    const found = yield* Effect.result(
      loadProjects(root, parseProjectPatterns(config.projects ?? []), diskDirectory(root), {
        environment: withProfiles(process.env, config.profiles ?? []),
        localFiles: config.localFiles,
        ageKeyFile: ageKeyFileFrom(process.env),
        hashKey: { path: hashKeyPath(process.env, config.dataDir), create: true },
        // The checkout is cleaned on every sync: data found nowhere lives in the data dir.
        binds: git ? join(config.dataDir, "binds") : undefined,
      }),
    )
    if (Result.isFailure(found)) {
      yield* logEvent("Error", "pass: cannot list the projects", { revision, error: found.failure.message })
      return yield* failing(revision, found.failure.message, true)
    }
    loaded = found.success
    if (cacheable) {
      const projects = { revision, loaded }
      yield* memory.update((m) => ({ ...m, projects }))
    }
  }
  const { projects, warnings } = loaded
  for (const warning of warnings) yield* logEvent("Warn", `projects: ${warning}`, { revision })
  // Only fleetd writes a checkout: in git mode only --local-files are worth watching.
  const local = config.localFiles === undefined ? undefined : `${config.localFiles}/`
  const files = projects.flatMap((p) =>
    Result.isSuccess(p.loaded) ? p.loaded.success.files : [join(root, p.file)],
  )
  yield* (yield* FileWatcher).follow(
    git ? files.filter((f) => local !== undefined && f.startsWith(local)) : files,
  )

  // 3. The engine, once: every managed container and the images, for every project.
  const sourceId = git ? source.describe.location : root
  const current = projects.map((p) => ({
    dir: p.dir,
    fleet: Result.isSuccess(p.loaded) ? p.loaded.success.desired.fleet : undefined,
  }))
  const observed = yield* Effect.result(observeProjects(sourceId, current))
  if (Result.isFailure(observed)) {
    const error = observed.failure
    yield* logEvent("Error", "pass: container engine unavailable", { revision, error: error.message })
    return yield* failing(revision, error.message, error.reason === "Unavailable", true)
  }

  // 4. Each project as its own fleet; one that is invalid or fails does so alone.
  const before = yield* status.get
  yield* markRollingOut(revision)
  // Up to --concurrency projects change at once: they are independent fleets.
  const results = yield* Effect.forEach(
    projects,
    (project) => reconcileProject(project, revision, sourceId, before.projects ?? []),
    { concurrency: config.concurrency },
  ).pipe(Effect.provide(sharedListings(observed.success.managed, observed.success.images)))

  // 5. Orphaned projects: reported, or pruned with --prune-projects (never when no
  // project was found, unless --allow-empty: that looks more like a wrong glob).
  const prune = config.pruneProjects === true && (projects.length > 0 || config.allowEmpty)
  const orphaned: Array<OrphanedStatus> = []
  const pruneResults = []
  for (const o of observed.success.orphaned) {
    if (!prune) {
      yield* logEvent("Warn", `projects: ${o.fleet} is orphaned: ${o.dir} is no longer a project`, {
        revision,
        containers: o.containers,
      })
      orphaned.push({ ...o, pruned: false })
      continue
    }
    const pruned = yield* Effect.result(
      pruneFleet(o.fleet, revision, config.concurrency).pipe(
        Effect.map((r) => r.changes),
        Effect.provide(sharedListings(observed.success.managed, observed.success.images)),
      ),
    )
    const ok = Result.isSuccess(pruned)
    if (ok) pruneResults.push(pruned.success)
    yield* logEvent(
      ok ? "Info" : "Error",
      `projects: orphaned ${o.fleet} (${o.dir}) ${ok ? "pruned" : "not pruned"}`,
      {
        revision,
        containers: o.containers,
        ...(ok ? {} : { error: pruned.failure.message }),
      },
    )
    orphaned.push({ ...o, pruned: ok })
  }

  // 6. Status and metrics: one entry per project.
  const statuses: ReadonlyArray<ProjectStatus> = results.map((r) => r.status)
  // A project whose first creations' health is not known yet has failed nothing.
  const progressing = statuses.some((p) => p.phase === "Progressing")
  const failed = statuses.some((p) => p.phase !== "Synced" && p.phase !== "Progressing")
  const waiting = results.some((r) => r.waiting === true)
  const everyWaiting = waiting && results.every((r) => r.waiting === true)
  const engineFailed = results.find((r) => r.engineError !== undefined)?.engineError
  const result: PassResult = engineFailed !== undefined ? "error" : failed ? "partial" : "success"
  const known = before.engine.reachable === true && before.engine.kind !== undefined
  const info = known ? undefined : yield* Effect.option((yield* ContainerEngine).info)
  const changeSets = [
    ...results.flatMap((r) => (r.changes === undefined ? [] : [r.changes])),
    ...pruneResults,
  ]
  const seconds = yield* finish(
    result,
    revision,
    ({ stalled: _cleared, ...s }, now) => ({
      ...s,
      phase:
        engineFailed !== undefined
          ? "Failing"
          : everyWaiting
            ? "Waiting"
            : failed
              ? "Degraded"
              : progressing
                ? "Progressing"
                : "Synced",
      lastAttemptedRevision: revision,
      // The revision reached every project that could take it (a stalled project waits
      // for the next one in its own entry): /ready need not wait for the slowest project.
      ...(engineFailed !== undefined ? {} : { lastAppliedRevision: revision }),
      ...(failed ? {} : { lastSuccessfulAt: now }),
      engine:
        info === undefined
          ? engineFailed !== undefined
            ? unreachable(s.engine, engineFailed)
            : s.engine
          : info._tag === "Some"
            ? { reachable: true, ...info.value }
            : { reachable: true },
      services: [],
      projects: statuses,
      orphaned,
    }),
    engineFailed,
    changeSets,
  )
  yield* metrics.recordPass(result, seconds, changeSets.flatMap(actionOutcomes))
  yield* metrics.setServices(
    statuses.flatMap((p) =>
      p.services.map((s) => ({ fleet: p.fleet, service: s.name, sync: s.sync, health: s.health })),
    ),
  )
  yield* metrics.setStalledFleets(statuses.map((p) => ({ fleet: p.fleet, stalled: p.phase === "Stalled" })))
  if (!failed) yield* metrics.setRevision(revision)
  for (const changes of changeSets)
    yield* logChangeSet(changes, triggers, seconds, snapshot.success.snapshot.signer)
  // First creations the pass did not wait for: their health is settled beside the loop.
  for (const r of results)
    if (r.desired !== undefined && r.changes?.services.some((s) => s.progressing === true))
      yield* Effect.forkChild(watchFirstHealth(r.desired, r.changes))
  const retry = results.some((r) => r.retry)
  if (results.some((r) => r.handedOver === true))
    return { result, retry, handedOver: true } satisfies PassOutcome
  // A project waiting for its lease is asked again every third of the expiry (each pass syncs the source).
  if (waiting)
    return {
      result,
      retry,
      waitMs: Math.min(Duration.toMillis(config.interval), (yield* FleetLease).ttlMs / 3),
    } satisfies PassOutcome
  return { result, retry } satisfies PassOutcome
})

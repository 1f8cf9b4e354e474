import { Effect } from "effect"
import type { Action, ReplacedContainer } from "../domain/Action.ts"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import { containerLabels } from "../domain/containerLabels.ts"
import { type DesiredService, defaultUpdateSettings } from "../domain/DesiredState.ts"
import { waitsForCreation } from "../domain/firstCreation.ts"
import { NextSuffix, prevName } from "../domain/labels.ts"
import { trialLabel } from "../domain/trial.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { copyGrantsIn } from "../engine/copyGrantsIn.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { ActionError } from "./ActionError.ts"
import { awaitReady } from "./healthGate.ts"
import { nameTakenError } from "./nameTakenError.ts"
import { retryEngine } from "./retryEngine.ts"
import { type HookContext, type HookFailed, runHooks } from "./runHooks.ts"

/**
 * Create first, destroy last, and every step recoverable after SIGKILL. Each new
 * container is created as `<name>--next` carrying its trial (trial.ts), started and
 * health-gated (healthGate.ts). Only once it passed does it take the service's name,
 * the old container becoming `<name>--prev` (renamed `--prev-k` as post_deploy steps
 * finish) until post_deploy passed, then removed. So the engine's names always say how
 * far a rollout got, and planService resumes it from there (Resume): a `--next` is gated
 * again, never adopted. A failed gate or post_deploy rolls back: the new container is
 * renamed `--next` again, stopped and removed, and the old one gets its name back and
 * is started again if it ran before (a stop-first replacement stopped it). With
 * `rollback: false` the failed container replaces the old one anyway, for debugging. A
 * first deployment has nothing to roll back to: unless the pass waits for it
 * (firstCreation.ts) it takes the name once started, its health reported after the pass;
 * else its post_deploy runs before it takes the name (a crash during it runs them
 * again), and a failed one stays, for its logs.
 */

/** Default grace period for stopping a container whose spec does not say. */
export const defaultGraceSeconds = 10

/** Lines of a failed container's log kept for status: enough to see why, bounded. */
export const logTailLines = 20

const graceOf = (service: DesiredService): number =>
  service.spec.stopGracePeriodSeconds ?? defaultGraceSeconds

export const describe = (service: string, what: string) => (error: EngineError) =>
  new ActionError({ service, message: `${what}: ${error.message}` })

/** Copies the secrets and configs the spec gives by value into a created container (before each start). */
export const copyIn = Effect.fnUntraced(function* (
  service: string,
  id: string,
  name: string,
  spec: ContainerSpec,
) {
  const engine = yield* ContainerEngine
  yield* retryEngine(copyGrantsIn(engine.putArchive, id, spec)).pipe(
    Effect.mapError(describe(service, `copying secrets and configs into ${name}`)),
  )
})

/** A failed pre_deploy or post_deploy step as the action's error, its output as the log tail. */
const hookError = (service: string, failed: HookFailed, consequence: string) =>
  new ActionError({
    service,
    message: `${failed.reason}${consequence}`,
    ...(failed.result.outputTail === undefined ? {} : { logs: failed.result.outputTail }),
  })

/** The container's last lines, or nothing when the engine cannot say: a missing tail must not hide the failure. */
const logTail = Effect.fnUntraced(function* (id: string) {
  const engine = yield* ContainerEngine
  return yield* engine.containerLogs(id, logTailLines).pipe(
    Effect.map((logs): { logs?: string } => (logs === "" ? {} : { logs })),
    Effect.orElseSucceed((): { logs?: string } => ({})),
  )
})

/** Where one rollout's containers are; the steps below rename them and keep this current. */
interface Rollout {
  readonly service: DesiredService
  readonly id: string
  /** The new container's current name: `--next` until it passed, then the service's. */
  name: string
  /** The container it replaces (current name, running now, ran before); none on a first deployment. */
  old: { readonly id: string; name: string; running: boolean; readonly wasRunning: boolean } | undefined
  readonly stopFirst: boolean
  readonly hooks: HookContext
}

const settingsOf = (r: Rollout) => r.service.update ?? defaultUpdateSettings

/** Whether the replaced container must serve again if the new one fails. */
const meantToRun = (old: { readonly running: boolean; readonly stoppedFromOutside?: boolean } | undefined) =>
  old !== undefined && (old.running || old.stoppedFromOutside === true)

/** Creates `<name>--next` with its trial label; a failure leaves nothing behind. */
export const createTrial = Effect.fnUntraced(function* (
  fleet: string,
  revision: string,
  service: DesiredService,
  specHash: string,
  imageId: string | undefined,
  old: { readonly id: string; readonly running: boolean; readonly stoppedFromOutside?: boolean } | undefined,
) {
  const engine = yield* ContainerEngine
  const next = `${service.containerName}${NextSuffix}`
  const labels = {
    ...containerLabels(fleet, service, specHash, imageId, revision),
    ...trialLabel({
      since: new Date().toISOString(),
      ...(old === undefined ? {} : { replaces: old.id }),
      wasRunning: meantToRun(old),
    }),
  }
  return yield* retryEngine(engine.createContainer(next, service.spec, labels)).pipe(
    Effect.mapError(describe(service.name, `creating ${next}`)),
  )
})

/** Copies secrets and configs in and starts the new container; a failure rolls back. */
const startTrial = (r: Rollout) =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    yield* copyIn(r.service.name, r.id, r.name, r.service.spec)
    yield* retryEngine(engine.startContainer(r.id)).pipe(
      Effect.mapError(describe(r.service.name, `starting ${r.name}`)),
    )
  }).pipe(Effect.catch((e) => rollBack(r, e.message, {})))

/** Stops the old container before a stop-first start (it keeps its name until the new one passed). */
const stopOldFirst = Effect.fnUntraced(function* (r: Rollout) {
  const engine = yield* ContainerEngine
  if (!r.stopFirst || r.old === undefined || !r.old.running) return
  const old = r.old
  yield* retryEngine(engine.stopContainer(old.id, graceOf(r.service))).pipe(
    Effect.mapError(describe(r.service.name, `stopping ${old.name} before its replacement`)),
    Effect.catch((e) => rollBack(r, e.message, {})),
  )
  old.running = false
})

/**
 * Puts the old container back and fails with `reason`. Every step is safe to repeat from
 * the next pass: the new container goes back to `--next` first (a `--next` is never
 * adopted), is stopped (so a fixed port is free), the old one takes the name, the new
 * one is removed, and the old one is started when it ran before. A first deployment
 * keeps its failed container under the name, for its logs.
 */
const rollBack = (r: Rollout, reason: string, logs: { logs?: string }) =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    const { service } = r
    const fail = (what: string) =>
      describe(service.name, `${reason}; rolling back, ${what} failed`) as (e: EngineError) => ActionError
    const old = r.old
    if (old === undefined) {
      if (r.name !== service.containerName) yield* takeName(r).pipe(Effect.catch(() => Effect.void))
      return yield* new ActionError({
        service: service.name,
        message: `${reason}; ${r.name} was kept (nothing to roll back to)`,
        ...logs,
      })
    }
    const next = `${service.containerName}${NextSuffix}`
    if (r.name !== next) {
      yield* retryEngine(engine.renameContainer(r.id, next)).pipe(
        Effect.mapError(fail(`renaming ${r.name} to ${next}`)),
      )
      r.name = next
    }
    yield* retryEngine(engine.stopContainer(r.id, graceOf(service))).pipe(
      Effect.mapError(fail(`stopping ${next}`)),
    )
    if (old.name !== service.containerName) {
      yield* retryEngine(engine.renameContainer(old.id, service.containerName)).pipe(
        Effect.mapError(fail(`renaming ${old.name} back to ${service.containerName}`)),
      )
      old.name = service.containerName
    }
    // Removed before the old one starts: Podman tears down a stopped container's port
    // forwarding late, and would take the old one's fixed host port with it. A kill here
    // leaves the old one stopped under its name, which the next pass starts.
    yield* retryEngine(engine.removeContainer(r.id)).pipe(
      Effect.mapError(fail(`removing ${next} (${old.name} has its name back)`)),
    )
    if (old.wasRunning && !old.running)
      yield* retryEngine(engine.startContainer(old.id)).pipe(
        Effect.mapError(
          (e) =>
            new ActionError({
              service: service.name,
              message: `${reason}; rolled back, but ${old.name} could not be started again: ${e.message}`,
              ...logs,
            }),
        ),
      )
    return yield* new ActionError({
      service: service.name,
      message: `${reason}; rolled back to ${old.name}`,
      rolledBack: true,
      ...logs,
    })
  })

/** The new container takes the service's name. A stranger holding it fails the service, removing the new one. */
const takeName = (r: Rollout) =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    const { service } = r
    yield* retryEngine(engine.renameContainer(r.id, service.containerName)).pipe(
      Effect.catch((e) =>
        e.reason === "Conflict" && r.old === undefined
          ? Effect.ignore(
              retryEngine(engine.stopContainer(r.id, graceOf(service))).pipe(
                Effect.andThen(retryEngine(engine.removeContainer(r.id))),
              ),
            ).pipe(Effect.andThen(nameTakenError(service)), Effect.flatMap(Effect.fail))
          : Effect.fail(describe(service.name, `renaming ${r.name} to ${service.containerName}`)(e)),
      ),
    )
    r.name = service.containerName
  })

/**
 * The gate passed: the old container steps aside as `--prev` and the new one takes the
 * name. The two renames are the record that the gate passed.
 */
const promote = (r: Rollout) =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    const old = r.old
    const name = r.service.containerName
    if (old !== undefined && old.name === name) {
      const prev = prevName(name, 0)
      yield* retryEngine(engine.renameContainer(old.id, prev)).pipe(
        Effect.catch((e) => rollBack(r, `renaming ${old.name} to ${prev}: ${e.message}`, {})),
      )
      old.name = prev
    }
    if (r.name !== name)
      yield* takeName(r).pipe(
        Effect.catch((e) => (old === undefined ? Effect.fail(e) : rollBack(r, e.message, {}))),
      )
  })

/**
 * post_deploy from step `from`, in the new container. Each finished step (but the last)
 * renames the old container `--prev-k`, so a resumed pass skips it.
 */
const postDeploy = (r: Rollout, from: number) =>
  runHooks({ ...r.hooks, containerId: r.id }, "post_deploy", from, (done) =>
    Effect.gen(function* () {
      const old = r.old
      if (old === undefined) return
      const engine = yield* ContainerEngine
      const to = prevName(r.service.containerName, done)
      // A failed record only makes a resumed pass run that step again.
      yield* Effect.ignore(retryEngine(engine.renameContainer(old.id, to)))
      old.name = to
    }),
  ).pipe(
    Effect.as(undefined),
    Effect.catchTag("HookFailed", (e) => Effect.succeed(e)),
  )

/** The rollout passed: the old container is stopped and removed. */
const finish = Effect.fnUntraced(function* (r: Rollout) {
  const engine = yield* ContainerEngine
  const old = r.old
  if (old === undefined) return
  if (old.running)
    yield* retryEngine(engine.stopContainer(old.id, graceOf(r.service))).pipe(
      Effect.mapError(describe(r.service.name, `stopping ${old.name}`)),
    )
  yield* retryEngine(engine.removeContainer(old.id)).pipe(
    Effect.mapError(describe(r.service.name, `removing ${old.name}`)),
  )
})

/** From a started `--next`: gate, then promote and post_deploy, or roll back. */
const fromGate = (r: Rollout) =>
  Effect.gen(function* () {
    const { service } = r
    const failed = yield* awaitReady(r.name, r.id, service.spec, settingsOf(r), 0).pipe(
      Effect.as(undefined),
      Effect.catchTag("GateFailed", (e) => Effect.succeed(e)),
    )
    if (failed !== undefined) {
      const logs = yield* logTail(r.id)
      if (r.old === undefined || settingsOf(r).rollback) return yield* rollBack(r, failed.reason, logs)
      yield* promote(r)
      yield* finish(r)
      return yield* new ActionError({
        service: service.name,
        message: `${failed.reason}; kept as ${service.containerName} for debugging (rollback: false)`,
        ...logs,
      })
    }
    if (r.old === undefined) {
      // A first deployment: post_deploy before the name, so that `--next` still means unfinished.
      const hookFailed = yield* postDeploy(r, 0)
      yield* takeName(r)
      if (hookFailed !== undefined)
        return yield* hookError(service.name, hookFailed, `; ${service.containerName} was kept`)
      return
    }
    yield* promote(r)
    return yield* fromHooks(r, 0)
  })

/** From a promoted container: post_deploy from step `from`, then finish, or roll back. */
const fromHooks = (r: Rollout, from: number) =>
  Effect.gen(function* () {
    const { service } = r
    const hookFailed = yield* postDeploy(r, from)
    if (hookFailed !== undefined && settingsOf(r).rollback) {
      const output = hookFailed.result.outputTail
      return yield* rollBack(r, hookFailed.reason, output === undefined ? {} : { logs: output })
    }
    yield* finish(r)
    if (hookFailed !== undefined)
      return yield* hookError(
        service.name,
        hookFailed,
        `; kept as ${service.containerName} (rollback: false)`,
      )
  })

/**
 * A first deployment (Create). Unless it waits for its health (waitsForCreation), it
 * takes the service's name as soon as it started: there is nothing to roll back to, and
 * its health is reported after the pass. A crash before the rename leaves a `--next`,
 * which the next pass gates (Resume) like any interrupted rollout.
 */
export const create = Effect.fnUntraced(function* (
  fleet: string,
  revision: string,
  action: Extract<Action, { _tag: "Create" }>,
  hooks: HookContext,
  awaitCreations: boolean,
) {
  const { service } = action
  const id = yield* createTrial(fleet, revision, service, action.specHash, action.imageId, undefined)
  const r: Rollout = {
    service,
    id,
    name: `${service.containerName}${NextSuffix}`,
    old: undefined,
    stopFirst: false,
    hooks,
  }
  yield* startTrial(r)
  if (!waitsForCreation(service, awaitCreations)) return yield* takeName(r)
  yield* fromGate(r)
})

/** A replacement (Replace): the old container keeps serving (start-first) or waits stopped (stop-first). */
export const replace = Effect.fnUntraced(function* (
  fleet: string,
  revision: string,
  action: Extract<Action, { _tag: "Replace" }>,
  hooks: HookContext,
) {
  const { service, old } = action
  // Created before the old one stops: a crash in between leaves a trial that remembers it ran.
  const id = yield* createTrial(fleet, revision, service, action.specHash, action.imageId, old)
  const r: Rollout = {
    service,
    id,
    name: `${service.containerName}${NextSuffix}`,
    old: { id: old.id, name: old.name, running: old.running, wasRunning: meantToRun(old) },
    stopFirst: action.strategy === "stop-first",
    hooks,
  }
  yield* stopOldFirst(r)
  yield* startTrial(r)
  yield* fromGate(r)
})

/** A rollout a crash interrupted (Resume): from the gate, or from the post_deploy steps not done. */
export const resume = Effect.fnUntraced(function* (
  action: Extract<Action, { _tag: "Resume" }>,
  hooks: HookContext,
) {
  const r: Rollout = {
    service: action.service,
    id: action.trial.id,
    name: action.trial.name,
    old: oldOf(action.old),
    stopFirst: action.strategy === "stop-first",
    hooks,
  }
  if (action.stage === "hooks") return yield* fromHooks(r, action.hooksDone)
  yield* stopOldFirst(r)
  // Never started (the crash came between create and start): start it now. Any other
  // state is the gate's to judge: an exit or a restart while fleetd was down fails it.
  if (action.trial.state === "created") yield* startTrial(r)
  yield* fromGate(r)
})

/** A trial whose spec is no longer wanted (RollBack): undone, without failing the service. */
export const discardTrial = (action: Extract<Action, { _tag: "RollBack" }>, hooks: HookContext) => {
  if (action.old === undefined)
    return Effect.gen(function* () {
      const engine = yield* ContainerEngine
      const what = describe(action.service.name, `removing ${action.trial.name}, no longer wanted`)
      yield* retryEngine(engine.stopContainer(action.trial.id, graceOf(action.service))).pipe(
        Effect.mapError(what),
      )
      yield* retryEngine(engine.removeContainer(action.trial.id)).pipe(Effect.mapError(what))
    })
  const r: Rollout = {
    service: action.service,
    id: action.trial.id,
    name: action.trial.name,
    old: oldOf(action.old),
    stopFirst: false,
    hooks,
  }
  return rollBack(r, `${action.trial.name} is no longer wanted`, {}).pipe(
    Effect.catch((e) => (e.rolledBack === true ? Effect.void : Effect.fail(e))),
  )
}

const oldOf = (old: ReplacedContainer | undefined): Rollout["old"] =>
  old === undefined ? undefined : { ...old }

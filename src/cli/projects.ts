import { resolve } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Result } from "effect"
import type { FleetLease } from "../daemon/FleetLease.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import { canonicalJson, sha256Hex } from "../domain/specHash.ts"
import type { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { ageKeyFileFrom } from "../manifest/decryptSopsFiles.ts"
import { diskDirectory } from "../manifest/discoverProjects.ts"
import { createDirectories } from "../manifest/hostFiles.ts"
import { loadProjects, type ProjectOutcome } from "../manifest/loadProjects.ts"
import { formatManifestIssue, type ManifestIssue } from "../manifest/ManifestError.ts"
import { parseProjectPatterns } from "../manifest/projectGlob.ts"
import { cliDataDir, hashKeyPath } from "../manifest/secretHashKey.ts"
import { withProfiles } from "../manifest/withProfiles.ts"
import type { OrphanedFleet } from "../planner/orphanedFleets.ts"
import { applyPolicy } from "../policy/applyPolicy.ts"
import { loadPolicy } from "../policy/loadPolicy.ts"
import type { Policy } from "../policy/Policy.ts"
import { policyIssues } from "../policy/policyIssues.ts"
import { type ChangeSet, hasFailures } from "../reconciler/ChangeSet.ts"
import { checkImages } from "../reconciler/checkImages.ts"
import { asProject, observeProjects, pruneFleet } from "../reconciler/projectFleets.ts"
import { type EmptyFleetRefused, observeAndPlan, reconcile } from "../reconciler/reconcile.ts"
import { sharedListings } from "../reconciler/sharedListings.ts"
import type { Registry } from "../registry/Registry.ts"
import { awaitApplyLease, leaseHeldMessage } from "./holdLease.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"
import { planView } from "./planView.ts"
import { renderChangeSet } from "./renderChangeSet.ts"
import { renderPlan } from "./renderPlan.ts"
import { reportFailure } from "./reportFailure.ts"

/** One project as the CLI reports it: loaded (with its policy applied) or invalid. */
type Checked =
  | {
      readonly project: ProjectOutcome
      readonly _tag: "Invalid"
      readonly issues: ReadonlyArray<ManifestIssue>
    }
  | {
      readonly project: ProjectOutcome
      readonly _tag: "Valid"
      readonly desired: DesiredState
      readonly violations: ReadonlyArray<ManifestIssue>
      readonly warnings: ReadonlyArray<string>
      readonly directories: ReadonlyArray<string>
    }

/** One project's entry in the JSON output, and its human text (none for an invalid one: already on stderr). */
interface ProjectRun {
  readonly result: Record<string, unknown> & { readonly ok: boolean }
  readonly text: string | undefined
}

/** What every project's entry starts with; a valid project's manifest warnings too. */
const head = (c: Checked) => ({
  dir: c.project.dir,
  file: c.project.file,
  fleet: c.project.fleet,
  ...(c._tag === "Valid" ? { warnings: c.warnings } : {}),
})

/**
 * `validate`, `plan` and `apply` with `--projects`: every project is its own fleet. An
 * invalid project is reported with its positions and skipped; the others proceed; the
 * exit status is 1 if any project was invalid or failed. The working directory is the
 * repository: globs and the orphan bookkeeping (`fleetd.project-source`) are relative to it.
 */
export const projectsCommand = Effect.fn("cli.projects")(function* (args: CliArgs) {
  const output = yield* Output
  const root = resolve(".")
  const policy = yield* Effect.result(loadPolicy(args.policy))
  if (Result.isFailure(policy)) {
    const error = policy.failure
    if (args.json)
      yield* output.out(
        JSON.stringify({ error: { kind: "PolicyError", file: error.file, issues: error.issues } }, null, 2),
      )
    else yield* output.err(`fleetd ${args.command}: ${error.message}`)
    return 2
  }
  const patterns = parseProjectPatterns(args.projects ?? [])
  const found = yield* Effect.result(
    loadProjects(root, patterns, diskDirectory(root), {
      environment: withProfiles(process.env, args.profiles),
      localFiles: args.localFiles,
      ageKeyFile: ageKeyFileFrom(process.env),
      hashKey: { path: hashKeyPath(process.env, cliDataDir(process.env)), create: args.command === "apply" },
    }),
  )
  // No project at all is more likely a wrong glob than a wish to prune everything.
  if (Result.isFailure(found) || (found.success.projects.length === 0 && !args.allowEmpty)) {
    const message = Result.isFailure(found)
      ? found.failure.message
      : `--projects ${(args.projects ?? []).join(",")} matched no directory holding a compose file (compose.yaml, docker-compose.yml, fleet.yaml, ...) under ${root}; to prune the last projects' fleets, pass --allow-empty with --prune-projects`
    if (args.json) yield* output.out(JSON.stringify({ error: { kind: "ProjectsError", message } }, null, 2))
    else yield* output.err(`fleetd ${args.command}: ${message}`)
    return 1
  }
  const checked = found.success.projects.map((p) => check(p, policy.success))
  if (!args.json) {
    for (const w of found.success.warnings) yield* output.err(`warning: ${w}`)
    for (const c of checked) {
      if (c._tag === "Invalid") {
        for (const i of c.issues) yield* output.err(formatManifestIssue(c.project.file, i))
        yield* output.err(
          `project ${c.project.fleet} (${c.project.file}): ${c.issues.length} problem(s); this project is skipped, the others proceed.`,
        )
      } else {
        for (const w of c.warnings) yield* output.err(`warning: ${c.project.file}: ${w}`)
        for (const v of c.violations) yield* output.err(formatManifestIssue(c.project.file, v))
      }
    }
  }
  const invalid = checked.some((c) => c._tag === "Invalid")
  if (args.command === "validate") return yield* validateProjects(args, checked, found.success.warnings)

  const source = root
  const current = checked.map((c) => ({
    dir: c.project.dir,
    fleet: c._tag === "Valid" ? c.desired.fleet : undefined,
  }))
  return yield* Effect.gen(function* () {
    const observed = yield* observeProjects(source, current)
    return yield* Effect.gen(function* () {
      // Projects are independent fleets: up to --concurrency of them change at once.
      const done = yield* Effect.forEach(
        checked,
        (c): Effect.Effect<ProjectRun, never, ContainerEngine | Registry | FleetLease | Output> => {
          if (c._tag === "Invalid")
            return Effect.succeed({ result: { ...head(c), ok: false, issues: c.issues }, text: undefined })
          const desired = asProject(c.desired, source, c.project.dir)
          const run: Effect.Effect<
            { readonly result: Record<string, unknown> & { ok: boolean }; readonly text: string },
            EngineError | EmptyFleetRefused,
            ContainerEngine | Registry | FleetLease | Output
          > =
            args.command === "plan"
              ? Effect.gen(function* () {
                  const checks = yield* checkImages(desired)
                  const { planned } = yield* observeAndPlan(desired, args.allowEmpty, {
                    images: checks.facts,
                  })
                  const view = planView(planned)
                  return {
                    result: { ...head(c), ok: c.violations.length === 0, plan: view },
                    text: renderPlan(view),
                  }
                })
              : Effect.gen(function* () {
                  // Without git the revision names the manifest's content, as for `apply -f`.
                  const revision = `manifest:${sha256Hex(canonicalJson(desired.services.map((s) => s.configHash))).slice(0, 12)}`
                  // Bind sources found nowhere are the project's data, created in place as Compose does.
                  const created = yield* Effect.result(
                    createDirectories(c.directories).pipe(Effect.provide(NodeFileSystem.layer)),
                  )
                  if (Result.isFailure(created)) {
                    const error = `cannot create a bind mount source: ${created.failure.message}`
                    return { result: { ...head(c), ok: false, error }, text: error }
                  }
                  // One writer per fleet per engine: this project waits for its own lease.
                  const leased = yield* awaitApplyLease(args, desired.fleet)
                  if (leased._tag === "Waiting") {
                    const message = leaseHeldMessage(desired.fleet, leased.holder, args.leaseWait)
                    return {
                      result: {
                        ...head(c),
                        ok: false,
                        error: { kind: "LeaseHeld", message, holder: leased.holder },
                      },
                      text: `fleetd apply: ${message}`,
                    }
                  }
                  const { changes } = yield* reconcile(desired, {
                    revision,
                    allowEmpty: args.allowEmpty,
                    concurrency: args.concurrency,
                    awaitCreations: args.wait,
                  })
                  return {
                    result: { ...head(c), ok: !hasFailures(changes), ...changes },
                    text: renderChangeSet(changes),
                  }
                })
          return run.pipe(
            Effect.catch((error) =>
              Effect.succeed({
                result: { ...head(c), ok: false, error: { kind: error._tag, message: error.message } },
                text: `fleetd ${args.command}: ${error.message}`,
              }),
            ),
            Effect.map(({ result, text }) => ({
              result,
              text: `project ${c.project.dir} (${c.project.file}):\n${text}\n`,
            })),
          )
        },
        { concurrency: args.concurrency },
      )
      // Printed in project order once all are done, not as they finish.
      if (!args.json) for (const { text } of done) if (text !== undefined) yield* output.out(text)
      const results = done.map(({ result }) => result)
      const orphaned = yield* orphans(args, observed.orphaned)
      const ok = !invalid && results.every((r) => r.ok) && orphaned.every((o) => o.ok !== false)
      if (args.json)
        yield* output.out(
          JSON.stringify({ ok, projects: results, orphaned, warnings: found.success.warnings }, null, 2),
        )
      return ok ? 0 : 1
    }).pipe(Effect.provide(sharedListings(observed.managed, observed.images)))
  }).pipe(Effect.catch((error) => reportFailure(args, error)))
})

const check = (project: ProjectOutcome, policy: Policy): Checked => {
  if (Result.isFailure(project.loaded))
    return { project, _tag: "Invalid", issues: project.loaded.failure.issues }
  const loaded = project.loaded.success
  const outcome = applyPolicy(loaded.desired, policy)
  return {
    project,
    _tag: "Valid",
    desired: outcome.desired,
    violations: policyIssues(outcome.violations, loaded.issueAt),
    warnings: loaded.warnings,
    directories: loaded.directories,
  }
}

const validateProjects = Effect.fnUntraced(function* (
  args: CliArgs,
  checked: ReadonlyArray<Checked>,
  warnings: ReadonlyArray<string>,
) {
  const output = yield* Output
  const valid = (c: Checked) => c._tag === "Valid" && c.violations.length === 0
  if (args.json) {
    const projects = checked.map((c) =>
      c._tag === "Invalid"
        ? { ...head(c), valid: false, issues: c.issues }
        : {
            ...head(c),
            valid: valid(c),
            services: c.desired.services.map((s) => s.name),
            ...(c.violations.length > 0 ? { issues: c.violations } : {}),
          },
    )
    yield* output.out(JSON.stringify({ valid: checked.every(valid), projects, warnings }, null, 2))
  } else
    for (const c of checked)
      if (c._tag === "Valid" && valid(c))
        yield* output.out(
          `${c.project.file} is valid: fleet "${c.desired.fleet}", ${c.desired.services.length} service(s): ${c.desired.services.map((s) => s.name).join(", ")}.`,
        )
  return checked.every(valid) ? 0 : 1
})

/** Orphaned projects: reported, or with `apply --prune-projects` removed. */
const orphans = Effect.fnUntraced(function* (args: CliArgs, orphaned: ReadonlyArray<OrphanedFleet>) {
  const output = yield* Output
  const prune = args.command === "apply" && args.pruneProjects
  const reported: Array<OrphanedFleet & { pruned: boolean; ok?: boolean; changes?: ChangeSet }> = []
  for (const o of orphaned) {
    if (!prune) {
      if (!args.json)
        yield* output.err(
          `orphaned project ${o.fleet}: its directory ${o.dir} is no longer a project, but ${o.containers.length} container(s) remain (${o.containers.join(", ")}); ${args.command === "apply" ? "pass --prune-projects to remove them" : "apply --prune-projects would remove them"}.`,
        )
      reported.push({ ...o, pruned: false })
      continue
    }
    const { changes } = yield* pruneFleet(o.fleet, "pruned", args.concurrency)
    if (!args.json)
      yield* output.out(`orphaned project ${o.fleet} (${o.dir}) pruned:\n${renderChangeSet(changes)}\n`)
    reported.push({ ...o, pruned: true, ok: !hasFailures(changes), changes })
  }
  return reported
})

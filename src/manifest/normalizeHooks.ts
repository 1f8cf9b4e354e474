/**
 * `x-fleetd.hooks` → ServiceHooks, with positioned issues. A `run` step is normalized
 * by normalizeService itself, on a service made of the step's fields over the
 * service's image, environment, env_file and networks: its volumes then follow exactly
 * the rules (and repository checks) of service volumes, and its issues are moved to
 * the step's own path.
 */

import type { HookPhase, HookStep, ServiceHooks } from "../domain/DesiredState.ts"
import { parseDuration } from "./compose/duration.ts"
import { splitShell } from "./compose/shellSplit.ts"
import type { Service } from "./Manifest.ts"
import { serviceImageName } from "./normalizeBuild.ts"
import { type NormalizeContext, normalizeService } from "./normalizeService.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

export const hookPhases: ReadonlyArray<HookPhase> = ["pre_deploy", "post_deploy", "on_failure"]

/** Long enough for a migration; a step is bounded so an update (and a pass) is too. */
export const defaultHookTimeoutMs = 60_000
const maxHookTimeoutMs = 60 * 60_000

type StepInput = NonNullable<NonNullable<NonNullable<Service["x-fleetd"]>["hooks"]>["pre_deploy"]>[number]

export interface NormalizedHooks {
  readonly hooks: ServiceHooks | undefined
  readonly issues: ReadonlyArray<PathIssue>
}

export const normalizeHooks = (name: string, service: Service, ctx: NormalizeContext): NormalizedHooks => {
  const block = service["x-fleetd"]?.hooks
  const issues: Array<PathIssue> = []
  if (block === undefined) return { hooks: undefined, issues }
  const hooks: Partial<Record<HookPhase, ReadonlyArray<HookStep>>> = {}
  for (const phase of hookPhases) {
    const steps = block[phase] ?? []
    if (steps.length === 0) continue
    hooks[phase] = steps.flatMap((step, i) => {
      const at = ["services", name, "x-fleetd", "hooks", phase, i]
      const normalized = normalizeStep(name, service, step, at, ctx, issues)
      return normalized === undefined ? [] : [normalized]
    })
  }
  return { hooks: Object.keys(hooks).length === 0 ? undefined : hooks, issues }
}

const timeoutOf = (text: string | undefined, at: ReadonlyArray<PropertyKey>, issues: Array<PathIssue>) => {
  if (text === undefined) return defaultHookTimeoutMs
  const ms = Math.round((parseDuration(text) ?? 0) / 1e6)
  if (ms <= 0) issues.push(pathIssue([...at, "timeout"], "a hook timeout must be longer than 0s"))
  if (ms > maxHookTimeoutMs)
    issues.push(pathIssue([...at, "timeout"], `timeout "${text}" is over the 1h limit`))
  return ms
}

const normalizeStep = (
  name: string,
  service: Service,
  step: StepInput,
  stepAt: ReadonlyArray<PropertyKey>,
  ctx: NormalizeContext,
  issues: Array<PathIssue>,
): HookStep | undefined => {
  if (step.exec !== undefined) {
    const at = [...stepAt, "exec"]
    const command = words(step.exec.command, [...at, "command"], issues)
    if (command === undefined) return undefined
    return {
      kind: "exec",
      command,
      ...(step.exec.user === undefined ? {} : { user: step.exec.user }),
      timeoutMs: timeoutOf(step.exec.timeout, at, issues),
    }
  }
  if (step.run === undefined) return undefined // refused by the Schema
  const run = step.run
  const at = [...stepAt, "run"]
  // Split once here; the synthetic service gets the words.
  const command = words(run.command, [...at, "command"], issues)
  if (command === undefined) return undefined
  const inherited = service.environment ?? []
  const own = run.environment ?? []
  const synthetic: Service = {
    image: run.image ?? serviceImageName(ctx.fleet, name, service),
    command,
    // Positions in this list say whose entry an issue is about (moved back below).
    environment: [...inherited, ...own].map((e, i) => ({ ...e, at: i })),
    ...(service.env_file === undefined ? {} : { env_file: service.env_file }),
    ...(run.volumes === undefined ? {} : { volumes: run.volumes }),
    ...(service.networks === undefined ? {} : { networks: service.networks }),
    ...(service.network_mode === undefined ? {} : { network_mode: service.network_mode }),
    // As `docker compose run` does, a one-shot container gets the service's secrets and configs.
    ...(service.secrets === undefined ? {} : { secrets: service.secrets }),
    ...(service.configs === undefined ? {} : { configs: service.configs }),
  }
  const result = normalizeService(name, synthetic, ctx)
  // Issues of the service's own fields are reported for the service already; the
  // step's are moved to where the step wrote them.
  const prefix = ["services", name]
  for (const issue of result.issues) {
    const [field, index, ...rest] = issue.path.slice(prefix.length)
    if (field === "volumes" || field === "command")
      issues.push({ ...issue, path: [...at, field, ...(index === undefined ? [] : [index]), ...rest] })
    else if (field === "environment" && typeof index === "number" && index >= inherited.length)
      issues.push({ ...issue, path: [...at, "environment", own[index - inherited.length]?.at ?? index] })
  }
  const spec = result.service.spec
  const origins = Object.fromEntries(
    Object.entries(result.service.origins ?? {}).map(([key, path]) => [
      key,
      [...at, ...path.slice(prefix.length)],
    ]),
  )
  return {
    kind: "run",
    ...(Object.keys(origins).length === 0 ? {} : { origins }),
    // A hook container must not answer for the service: no aliases, so the service's
    // name never resolves to it on a shared network.
    spec: { ...spec, networks: spec.networks.map((n) => ({ ...n, aliases: [] })) },
    timeoutMs: timeoutOf(run.timeout, at, issues),
  }
}

const words = (
  command: string | ReadonlyArray<string>,
  at: ReadonlyArray<PropertyKey>,
  issues: Array<PathIssue>,
): ReadonlyArray<string> | undefined => {
  const split = typeof command === "string" ? splitShell(command) : command
  if ("error" in split) {
    issues.push(pathIssue(at, `cannot split command: ${split.error}`))
    return undefined
  }
  if (split.length === 0) {
    issues.push(pathIssue(at, "a hook command must not be empty"))
    return undefined
  }
  return split
}

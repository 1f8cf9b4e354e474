/**
 * The Compose service fields for resources and the runtime (limits, ulimits, the OOM
 * killer, groups, platform, runtime, GPUs, `deploy`), spread into Manifest.ts's Service
 * struct. Numbers may also be written as strings, because `${VAR}` interpolates to a
 * string (compose-go casts the same paths back to numbers). normalizeResources.ts
 * turns the decoded values into ContainerSpec fields.
 */
import { Schema } from "effect"
import { parseByteSize } from "../compose/byteSize.ts"
import { durationHint, parseDuration } from "../compose/duration.ts"

const opt = Schema.optionalKey

/** An integer, or a string holding one (what `${VAR}` gives). */
export const IntLike = (description: string, min?: number, max?: number) =>
  Schema.Union([Schema.Int, Schema.String])
    .annotate({ description })
    .check(
      Schema.makeFilter((v: number | string) => {
        const n = typeof v === "number" ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN
        if (!Number.isSafeInteger(n)) return `"${v}" is not an integer`
        if (min !== undefined && n < min) return `${n} is below the minimum ${min}`
        if (max !== undefined && n > max) return `${n} is above the maximum ${max}`
        return undefined
      }),
    )

/** Reads a value IntLike accepted. */
export const intOf = (v: number | string): number => (typeof v === "number" ? v : Number(v.trim()))

export const MemLimit = Schema.Union([Schema.String, Schema.Int])
  .check(
    Schema.makeFilter((m: string | number) =>
      parseByteSize(m) === undefined ? `"${m}" is not a size such as 512m or 1g` : undefined,
    ),
  )
  .annotate({ identifier: "MemLimit", description: "Bytes, or a size such as 512m, 1g" })

export const Cpus = Schema.Union([Schema.Finite, Schema.String])
  .check(
    Schema.makeFilter((c: string | number) => {
      const n = Number(c)
      return Number.isFinite(n) && n > 0 && String(c).trim() !== "" ? undefined : `"${c}" is not a CPU count`
    }),
  )
  .annotate({ identifier: "Cpus", description: "CPU count, e.g. 0.5" })

/** `memswap_limit` also takes -1 (unlimited swap). */
const SwapLimit = Schema.Union([Schema.String, Schema.Int])
  .annotate({ description: "Memory plus swap: bytes or a size such as 1g; -1 for unlimited swap" })
  .check(
    Schema.makeFilter((m: string | number) =>
      String(m).trim() === "-1" || parseByteSize(m) !== undefined
        ? undefined
        : `"${m}" is not a size such as 1g (or -1 for unlimited swap)`,
    ),
  )

const Ulimit = Schema.Union([
  IntLike("Soft and hard limit"),
  Schema.Struct({ soft: IntLike("Soft limit"), hard: IntLike("Hard limit") }),
]).annotate({ identifier: "Ulimit", description: "One number for both limits, or {soft, hard}" })

/** A count of devices: a number, or `all` (compose-go's -1). */
const DeviceCount = Schema.Union([Schema.Int, Schema.String])
  .annotate({ description: "Number of devices, or all" })
  .check(
    Schema.makeFilter((c: number | string) =>
      typeof c === "number" || c.trim().toLowerCase() === "all" || /^\s*-?\d+\s*$/.test(c)
        ? undefined
        : `count "${c}" is not a number or all`,
    ),
  )

const Options = Schema.Union([
  Schema.Record(Schema.String, Schema.NullOr(Schema.Union([Schema.String, Schema.Finite, Schema.Boolean]))),
  Schema.Array(Schema.String),
])

/** One device request (`gpus` item, `deploy.resources.reservations.devices` item). */
export const DeviceRequest = Schema.Struct({
  capabilities: opt(Schema.Array(Schema.String)),
  count: opt(DeviceCount),
  device_ids: opt(Schema.Array(Schema.String)),
  driver: opt(Schema.String),
  options: opt(Options),
})
  .check(
    Schema.makeFilter((d) =>
      d.count !== undefined && d.device_ids !== undefined
        ? '"count" and "device_ids" are exclusive: give one of them'
        : undefined,
    ),
  )
  .annotate({
    identifier: "DeviceRequest",
    description: "capabilities, count or device_ids, driver, options",
  })

const restartConditions = ["none", "no", "on-failure", "any", "always", "unless-stopped"] as const

const Duration = Schema.String.annotate({ description: "Compose duration" }).check(
  Schema.makeFilter((s: string) =>
    parseDuration(s) === undefined ? `"${s}" is not ${durationHint}` : undefined,
  ),
)

/** Swarm-only settings: accepted so real files validate, reported as ignored. */
const Ignored = (description: string) =>
  Schema.Record(Schema.String, Schema.Unknown).annotate({ description })

export const Deploy = Schema.Struct({
  replicas: opt(
    IntLike("Swarm target: tasks to run; on one engine fleetd runs one container per service (only 1)", 0),
  ),
  mode: opt(
    Schema.String.annotate({
      description: "replicated or global: Swarm target only; ignored on a single engine",
    }),
  ),
  endpoint_mode: opt(
    Schema.String.annotate({ description: "vip or dnsrr: Swarm target only; ignored on a single engine" }),
  ),
  labels: opt(
    Schema.Union([Schema.Record(Schema.String, Schema.NullOr(Schema.String)), Schema.Array(Schema.String)]),
  ),
  update_config: opt(
    Ignored(
      "Swarm rolling updates (parallelism, delay, failure_action, monitor, max_failure_ratio, order): Swarm target only; ignored on one engine (see x-fleetd.update)",
    ),
  ),
  rollback_config: opt(
    Ignored(
      "Swarm rollbacks (as update_config; failure_action continue or pause): Swarm target only; ignored on one engine (see x-fleetd.update.rollback)",
    ),
  ),
  placement: opt(
    Ignored(
      "Swarm placement (constraints, preferences, max_replicas_per_node): Swarm target only; ignored on one engine",
    ),
  ),
  resources: opt(
    Schema.Struct({
      limits: opt(
        Schema.Struct({
          cpus: opt(Cpus),
          memory: opt(MemLimit),
          pids: opt(IntLike("PIDs limit")),
        }),
      ),
      reservations: opt(
        Schema.Struct({
          cpus: opt(Cpus),
          memory: opt(MemLimit),
          devices: opt(Schema.Array(DeviceRequest)),
          generic_resources: opt(Schema.Array(Schema.Unknown)),
        }),
      ),
    }),
  ),
  restart_policy: opt(
    Schema.Struct({
      condition: opt(Schema.Literals(restartConditions)),
      max_attempts: opt(IntLike("Restarts before giving up (condition: on-failure)", 0)),
      delay: opt(Duration),
      window: opt(Duration),
    }),
  ),
}).annotate({
  identifier: "Deploy",
  description:
    "resources and restart_policy are applied as docker compose does on one engine, where Swarm-only keys are accepted with a warning; the swarm target applies them all (docs/swarm.md)",
})

const DeviceCgroupRule = Schema.String.annotate({ description: 'e.g. "c 1:3 mr", "a 7:* rmw"' }).check(
  Schema.makeFilter((s: string) =>
    /^\s*[acb]\s+(\d+|\*):(\d+|\*)\s+[rwm]{1,3}\s*$/.test(s)
      ? undefined
      : `"${s}" is not a device cgroup rule (TYPE MAJOR:MINOR PERMS, e.g. "c 1:3 mr")`,
  ),
)

export const resourceFields = {
  ulimits: opt(
    Schema.Record(Schema.String, Ulimit).check(
      Schema.makeFilter((limits) => {
        const bad = Object.keys(limits).find((name) => !/^[a-z]+$/.test(name))
        return bad === undefined
          ? undefined
          : { path: [bad], issue: `"${bad}" is not a ulimit name (lower case, e.g. nofile, nproc, memlock)` }
      }),
    ),
  ),
  pids_limit: opt(IntLike("PIDs limit; -1 for unlimited", -1)),
  shm_size: opt(MemLimit),
  mem_reservation: opt(MemLimit),
  memswap_limit: opt(SwapLimit),
  mem_swappiness: opt(IntLike("Swappiness, 0 to 100", 0, 100)),
  cpu_shares: opt(IntLike("Relative CPU weight", 0)),
  cpuset: opt(Schema.String.annotate({ description: "CPUs to run on, e.g. 0-3 or 0,1" })),
  cpu_quota: opt(IntLike("CFS quota in microseconds", -1)),
  cpu_period: opt(IntLike("CFS period in microseconds", 0)),
  cpu_count: opt(IntLike("Usable CPUs (Windows engines only)", 0)),
  cpu_percent: opt(IntLike("Usable CPU percentage (Windows engines only)", 0, 100)),
  oom_score_adj: opt(IntLike("-1000 to 1000", -1000, 1000)),
  oom_kill_disable: opt(Schema.Boolean),
  group_add: opt(Schema.Array(Schema.Union([Schema.String, Schema.Int]))),
  platform: opt(Schema.String.annotate({ description: "os/arch[/variant], e.g. linux/amd64" })),
  runtime: opt(Schema.String.annotate({ description: "OCI runtime name (operator policy: allow.runtimes)" })),
  gpus: opt(
    Schema.Union([Schema.Literal("all"), Schema.Array(DeviceRequest)]).annotate({
      description: "all, or a list of device requests (operator policy: allow.device_requests)",
    }),
  ),
  device_cgroup_rules: opt(Schema.Array(DeviceCgroupRule)),
  deploy: opt(Schema.NullOr(Deploy)),
}

/**
 * One decoded service → DesiredService, following the normalization rules written in
 * ContainerSpec.ts: sorted env, ports, mounts, networks and hosts; durations in ns;
 * sizes in bytes; host paths real and absolute. Pure: files come in as FileFacts.
 */
import { posix } from "node:path"
import type {
  ContainerSpec,
  Healthcheck,
  Mount,
  NetworkAttachment,
  PortBinding,
} from "../domain/ContainerSpec.ts"
import type { Dependency, DesiredService, UpdateSettings } from "../domain/DesiredState.ts"
import { configHash, type ReferencedFile, sha256Hex } from "../domain/specHash.ts"
import { servicePorts } from "./checkManifest.ts"
import { checkSwarmFields } from "./checkSwarmFields.ts"
import { parseByteSize } from "./compose/byteSize.ts"
import { parseDuration } from "./compose/duration.ts"
import { parseEnvFile } from "./compose/envFile.ts"
import { parseRawEnvFile } from "./compose/rawEnvFile.ts"
import { splitShell } from "./compose/shellSplit.ts"
import { imagePolicy } from "./imagePolicy.ts"
import type { Service } from "./Manifest.ts"
import { escapesLexically, type FileFact } from "./manifestFiles.ts"
import { normalizeBuild } from "./normalizeBuild.ts"
import { normalizeHostAccess } from "./normalizeHostAccess.ts"
import { normalizeNetworking, serviceAttachments } from "./normalizeNetworking.ts"
import { normalizeOther } from "./normalizeOther.ts"
import { normalizeResources } from "./normalizeResources.ts"
import { type FileObjects, grantFileObjects } from "./normalizeSecrets.ts"
import { normalizeSwarmDeploy } from "./normalizeSwarmDeploy.ts"
import { normalizeUpdate } from "./normalizeUpdate.ts"
import { normalizeVolumeOptions } from "./normalizeVolumeOptions.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { referenceIssue } from "./referenceIssue.ts"
import { isReservedVariable, reservedVariableMessage } from "./reservedVariables.ts"
import { sourceAt } from "./schema/ServiceVolume.ts"

export interface NormalizeContext {
  readonly fleet: string
  /** Service → its container's name: `container_name`, else `<fleet>-<service>`. */
  readonly containerOf: (service: string) => string
  /** Real path of the repository root (the manifest's directory when no root is known). */
  readonly root: string
  /** The manifest's directory relative to `root`; undefined when no repository root is known. */
  readonly base?: string | undefined
  /** Network key → engine name, including `default`. */
  readonly networks: ReadonlyMap<string, string>
  /** Volume key → engine name. */
  readonly volumes: ReadonlyMap<string, string>
  /** Variables for bare `environment` keys (already without `.env` precedence issues). */
  readonly lookup: (name: string) => string | undefined
  readonly file: (relative: string) => FileFact
  /** Collects a warning at a manifest path (an unset variable in an env_file). */
  readonly warn?: (path: ReadonlyArray<PropertyKey>, message: string) => void
  /** The fleet-wide `x-fleetd.track`, which a service's own setting overrides. */
  readonly track?: "digest" | "tag"
  /** The fleet-wide `x-fleetd.update` fields, which a service's own fields override. */
  readonly updateDefaults?: Partial<UpdateSettings>
  /** Top-level secrets and configs some service uses, resolved once (normalizeSecrets.ts). */
  readonly fileObjects?: FileObjects
  /** Hashes secret and config content for the spec (specHash.ts contentDigest); SHA-256 when unset. */
  readonly contentDigest?: (data: string | Uint8Array) => string
  /** `swarm`: deploy: is read as Swarm reads it, and one-host fields are errors (checkSwarmFields.ts). */
  readonly target?: "swarm"
}

const byString =
  <A>(key: (a: A) => string) =>
  (a: A, b: A) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
const durationNs = (d: string | undefined) => (d === undefined ? undefined : parseDuration(d))
const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

export const normalizeService = (
  name: string,
  service: Service,
  ctx: NormalizeContext,
): { readonly service: DesiredService; readonly issues: ReadonlyArray<PathIssue> } => {
  const at = ["services", name] as const
  const issues: Array<PathIssue> = []
  const files: Array<ReferencedFile> = []
  const origins: Record<string, ReadonlyArray<PropertyKey>> = {}

  /**
   * Resolves a reference the loader looked at, enforcing the symlink rule. A file's
   * content is hashed (so editing it replaces the service) unless it is a container's
   * data: a read-write bind of a file kept outside the repository.
   */
  const resolve = (
    relative: string,
    path: ReadonlyArray<PropertyKey>,
    what: string,
    required: boolean,
    readOnly = true,
  ) => {
    const fact = ctx.file(relative)
    const problem = referenceIssue(fact, { relative, what, required, at: path }, ctx)
    if (problem !== undefined) issues.push(problem)
    if (problem !== undefined || (fact.kind !== "file" && fact.kind !== "directory")) return undefined
    if (fact.kind === "file" && (fact.from === undefined || readOnly))
      files.push({ path: relative, sha256: sha256Hex(fact.content) })
    return fact
  }

  const env = new Map<string, string>()
  const serviceEnvironment = new Map(
    (service.environment ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.key, e.value]])),
  )
  for (const e of service.env_file ?? []) {
    const path = [...at, "env_file", ...e.at]
    if (escapesLexically(e.path, ctx.base)) continue // reported by manifestFiles
    const fact = resolve(posix.normalize(e.path), path, "env_file", e.required)
    if (fact === undefined) continue
    if (fact.kind !== "file") {
      issues.push(pathIssue(path, `env_file ${e.path} is not a regular file`))
      continue
    }
    // Compose interpolates env_file values from the project's variables, then the
    // service's `environment`, then what earlier lines and files set.
    const text = new TextDecoder().decode(fact.content)
    const parsed =
      e.raw === true
        ? parseRawEnvFile(text, ctx.lookup)
        : parseEnvFile(text, (key) => ctx.lookup(key) ?? serviceEnvironment.get(key) ?? env.get(key))
    for (const err of parsed.errors) issues.push(pathIssue(path, `${e.path}:${err.line}: ${err.message}`))
    for (const u of parsed.unset)
      ctx.warn?.(path, `${e.path}:${u.line}: variable ${u.name} is not set; substituting an empty string`)
    for (const entry of parsed.entries) env.set(entry.key, entry.value)
  }
  for (const e of service.environment ?? []) {
    const path = [...at, "environment", e.at]
    if (e.value !== undefined) env.set(e.key, e.value)
    else if (isReservedVariable(e.key)) issues.push(pathIssue(path, reservedVariableMessage(e.key)))
    else {
      const value = ctx.lookup(e.key)
      if (value !== undefined) env.set(e.key, value)
    }
  }

  const words = (field: "command" | "entrypoint"): ReadonlyArray<string> | undefined => {
    const value = service[field]
    if (value === undefined || typeof value !== "string") return value
    const split = splitShell(value)
    if ("error" in split) {
      issues.push(pathIssue([...at, field], `cannot split ${field}: ${split.error}`))
      return undefined
    }
    return split
  }

  // A port's `mode` means something to Swarm only: dropped elsewhere, so specs that
  // wrote it before fleetd read it keep their hash.
  const ports: Array<PortBinding> = servicePorts(service).map(([, { mode, ...p }]) =>
    ctx.target === "swarm" && mode !== undefined ? { ...p, mode } : p,
  )
  ports.sort(
    (a, b) =>
      a.target - b.target ||
      byString((p: PortBinding) => `${p.protocol} ${p.hostIp ?? ""}`)(a, b) ||
      (a.published ?? 0) - (b.published ?? 0),
  )

  const mounts: Array<Mount> = []
  const tmpfs: Record<string, string> = {}
  for (const item of typeof service.tmpfs === "string" ? [service.tmpfs] : (service.tmpfs ?? [])) {
    const colon = item.indexOf(":")
    tmpfs[colon < 0 ? item : item.slice(0, colon)] = colon < 0 ? "" : item.slice(colon + 1)
  }
  for (const [i, v] of (service.volumes ?? []).entries()) {
    const readOnly = v.read_only
    const path = [...at, "volumes", i, ...sourceAt(v)]
    if (v.type === "tmpfs") {
      const opts = [
        ...(v.tmpfs?.size === undefined ? [] : [`size=${v.tmpfs.size}`]),
        ...(v.tmpfs?.mode === undefined ? [] : [`mode=${v.tmpfs.mode.toString(8)}`]),
      ]
      tmpfs[v.target] = opts.join(",")
    } else if (v.source === undefined) mounts.push({ type: "anonymous", target: v.target, readOnly })
    else if (v.type === "volume")
      mounts.push({
        type: "volume",
        source: ctx.volumes.get(v.source) ?? v.source,
        target: v.target,
        readOnly,
      })
    else if (v.source.startsWith("/")) {
      // A host path: resolved (symlinks followed, so policy sees where it really
      // points) but never read. A `..` is kept as written for the policy to refuse.
      const hostPath = v.source.split("/").includes("..")
        ? v.source
        : posix.normalize(v.source).replace(/(.)\/$/, "$1")
      const fact = ctx.file(posix.normalize(v.source))
      const source = fact.kind === "missing" ? hostPath : fact.realPath
      origins[`volumes:${v.target}`] = path
      mounts.push({ type: "bind", source, target: v.target, readOnly, hostPath })
    } else if (!escapesLexically(v.source, ctx.base)) {
      const fact = resolve(posix.normalize(v.source), path, "bind mount source", true, readOnly)
      if (fact !== undefined) mounts.push({ type: "bind", source: fact.realPath, target: v.target, readOnly })
    }
  }
  const volumeOptions = normalizeVolumeOptions(name, service)
  issues.push(...volumeOptions.issues)
  for (const w of volumeOptions.warnings) ctx.warn?.(w.path, w.message)
  mounts.splice(0, mounts.length, ...mounts.map(volumeOptions.apply))
  mounts.sort(byString((m) => m.target))
  for (const [i, m] of mounts.entries())
    if (i > 0 && mounts[i - 1]!.target === m.target)
      issues.push(pathIssue([...at, "volumes"], `two mounts target ${m.target}`, { onKey: true }))

  const grants = grantFileObjects(
    name,
    service,
    ctx.fileObjects,
    new Set([...mounts.map((m) => m.target), ...Object.keys(tmpfs)]),
  )
  issues.push(...grants.issues)
  files.push(...grants.files)

  const networkMode = service.network_mode?.startsWith("service:")
    ? `container:${ctx.containerOf(service.network_mode.slice(8))}`
    : service.network_mode
  const networks: Array<NetworkAttachment> =
    networkMode === undefined ? serviceAttachments(name, service, ctx.networks) : []
  const networking = normalizeNetworking(name, service, ctx.containerOf, networks[0])
  issues.push(...networking.issues)

  const labels: Record<string, string> = {}
  for (const e of service.labels ?? []) labels[e.key] = e.value ?? ""

  const extraHosts = (
    service.extra_hosts === undefined
      ? []
      : Array.isArray(service.extra_hosts)
        ? (service.extra_hosts as ReadonlyArray<string>).map((h) => {
            const sep = h.includes("=") ? h.indexOf("=") : h.indexOf(":")
            return sep < 0 ? h : `${h.slice(0, sep)}:${h.slice(sep + 1)}`
          })
        : Object.entries(service.extra_hosts as Record<string, string>).map(([h, ip]) => `${h}:${ip}`)
  ).sort()

  const resources = normalizeResources(name, service, origins, ctx.target === "swarm")
  issues.push(...resources.issues)
  for (const w of resources.warnings) ctx.warn?.(w.path, w.message)
  const [restart, retries] = (resources.restart ?? service.restart ?? "no").split(":") as [
    ContainerSpec["restart"],
    string | undefined,
  ]
  const hostAccess = normalizeHostAccess(name, service, ctx.containerOf, origins)
  const other = normalizeOther(name, service, origins)
  issues.push(...other.issues)
  for (const w of other.warnings) ctx.warn?.(w.path, w.message)
  const stopNs = durationNs(service.stop_grace_period)
  const command = words("command")
  const entrypoint = words("entrypoint")
  const built = normalizeBuild(name, service, ctx)
  issues.push(...built.issues)
  files.push(...built.files)
  const spec: ContainerSpec = {
    image: built.image,
    ...optional("command", command),
    ...optional("entrypoint", entrypoint),
    env: [...env.entries()].sort(byString(([k]) => k)).map(([k, v]) => `${k}=${v}`),
    ports,
    mounts,
    networks,
    ...optional("networkMode", networkMode),
    labels,
    restart,
    ...optional("restartMaxRetries", retries === undefined ? undefined : Number(retries)),
    ...optional("user", service.user === undefined ? undefined : String(service.user)),
    ...optional("workingDir", service.working_dir),
    ...optional("hostname", service.hostname),
    ...optional("healthcheck", healthcheck(service.healthcheck, [...at, "healthcheck"], issues)),
    ...optional("stopSignal", service.stop_signal),
    ...optional("stopGracePeriodSeconds", stopNs === undefined ? undefined : Math.ceil(stopNs / 1e9)),
    readOnly: service.read_only ?? false,
    tmpfs,
    init: service.init ?? false,
    ...optional(
      "memLimitBytes",
      service.mem_limit === undefined ? undefined : parseByteSize(service.mem_limit),
    ),
    ...optional("nanoCpus", service.cpus === undefined ? undefined : Math.round(Number(service.cpus) * 1e9)),
    extraHosts,
    ...hostAccess.access,
    ...resources.fields,
    ...grants.fields,
    ...networking.fields,
    ...other.fields,
  }
  const dependsOn: Array<Dependency> = (service.depends_on ?? []).map(({ at: _, ...d }) => d)
  for (const implicit of [...hostAccess.dependsOn, ...networking.dependsOn])
    if (!dependsOn.some((d) => d.service === implicit.service)) dependsOn.push(implicit)
  dependsOn.sort(byString((d) => d.service))
  const pull = imagePolicy(service, ctx.track, [...at, "pull_policy"], issues)
  const fixedHostPorts = ports.some((p) => p.published !== undefined)
  const update = normalizeUpdate(name, service, fixedHostPorts, ctx.updateDefaults)
  issues.push(...update.issues)
  const desired: DesiredService = {
    name,
    containerName: ctx.containerOf(name),
    // A fixed name: replaced stop-first by default (planService).
    ...(service.container_name === undefined ? {} : { fixedName: true }),
    spec,
    dependsOn,
    ...pull,
    ...(built.build === undefined ? {} : { build: built.build }),
    configHash: configHash(spec, files),
    fixedHostPorts,
    update: update.update,
    ...(Object.keys(origins).length === 0 ? {} : { origins }),
    ...suspension(service["x-fleetd"]?.suspend),
    ...(service["x-fleetd"]?.self === true ? { self: true as const } : {}),
  }
  if (ctx.target !== "swarm") return { service: desired, issues }
  const swarm = normalizeSwarmDeploy(name, service)
  const checked = checkSwarmFields(desired, service, swarm.deploy)
  issues.push(...swarm.issues, ...checked.issues)
  for (const w of checked.warnings) ctx.warn?.(w.path, w.message)
  return { service: { ...desired, swarm: swarm.deploy }, issues }
}

/** `suspend: true` or a reason; `false` and an empty reason mean not suspended. */
const suspension = (suspend: boolean | string | undefined): { suspended?: string } =>
  suspend === true
    ? { suspended: "suspended in fleet.yaml (x-fleetd.suspend)" }
    : typeof suspend === "string" && suspend.trim() !== ""
      ? { suspended: suspend.trim() }
      : {}

const healthcheck = (
  hc: Service["healthcheck"],
  path: ReadonlyArray<PropertyKey>,
  issues: Array<PathIssue>,
): Healthcheck | undefined => {
  if (hc === undefined) return undefined
  // As compose: `disable` replaces the test and keeps the timings.
  const test =
    hc.disable === true
      ? ["NONE"]
      : hc.test === undefined
        ? []
        : typeof hc.test === "string"
          ? ["CMD-SHELL", hc.test]
          : hc.test
  if (hc.start_interval !== undefined && hc.start_period === undefined)
    issues.push(
      pathIssue([...path, "start_interval"], "start_interval needs start_period", {
        hint: "docker compose refuses it too (moby/moby#48874): add start_period",
      }),
    )
  if (test.length > 0 && !["NONE", "CMD", "CMD-SHELL"].includes(test[0]!))
    issues.push(
      pathIssue(
        [...path, "test"],
        `a test list must start with "CMD", "CMD-SHELL" or "NONE", not "${test[0]}"`,
      ),
    )
  return {
    test,
    ...optional("intervalNs", durationNs(hc.interval)),
    ...optional("timeoutNs", durationNs(hc.timeout)),
    ...optional("startPeriodNs", durationNs(hc.start_period)),
    ...optional("startIntervalNs", durationNs(hc.start_interval)),
    ...optional("retries", hc.retries),
  }
}

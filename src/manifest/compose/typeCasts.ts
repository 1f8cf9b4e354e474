/**
 * Compose reads a field's type after interpolation: `read_only: ${RO}` with `RO=true`
 * is the boolean true, `pids_limit: "${PIDS}"` a number (compose-go's interpolation
 * type casts). The same fields, the same casts: each string at one of these paths
 * that parses as the field's type becomes that type; one that does not is left as it
 * is, for the Schema to report with its position. A secret's or config's `mode` is
 * not cast here: normalizeSecrets.ts reads a string mode as octal (`"0440"`).
 */
type Cast = "int" | "float" | "bool"

/** `*` stands for any one key or list index. */
const casts: ReadonlyArray<readonly [string, Cast]> = [
  ["services.*.cpu_count", "int"],
  ["services.*.cpu_percent", "float"],
  ["services.*.cpu_period", "int"],
  ["services.*.cpu_quota", "int"],
  ["services.*.cpu_rt_period", "int"],
  ["services.*.cpu_rt_runtime", "int"],
  ["services.*.cpus", "float"],
  ["services.*.cpu_shares", "int"],
  ["services.*.init", "bool"],
  ["services.*.deploy.replicas", "int"],
  ["services.*.deploy.update_config.parallelism", "int"],
  ["services.*.deploy.update_config.max_failure_ratio", "float"],
  ["services.*.deploy.rollback_config.parallelism", "int"],
  ["services.*.deploy.rollback_config.max_failure_ratio", "float"],
  ["services.*.deploy.restart_policy.max_attempts", "int"],
  ["services.*.deploy.placement.max_replicas_per_node", "int"],
  ["services.*.healthcheck.retries", "int"],
  ["services.*.healthcheck.disable", "bool"],
  ["services.*.oom_kill_disable", "bool"],
  ["services.*.oom_score_adj", "int"],
  ["services.*.pids_limit", "int"],
  ["services.*.ports.*.target", "int"],
  ["services.*.privileged", "bool"],
  ["services.*.read_only", "bool"],
  ["services.*.scale", "int"],
  ["services.*.stdin_open", "bool"],
  ["services.*.tty", "bool"],
  ["services.*.ulimits.*", "int"],
  ["services.*.ulimits.*.hard", "int"],
  ["services.*.ulimits.*.soft", "int"],
  ["services.*.volumes.*.read_only", "bool"],
  ["services.*.volumes.*.volume.nocopy", "bool"],
  ["networks.*.external", "bool"],
  ["networks.*.internal", "bool"],
  ["networks.*.attachable", "bool"],
  ["networks.*.enable_ipv6", "bool"],
  ["volumes.*.external", "bool"],
  ["secrets.*.external", "bool"],
  ["configs.*.external", "bool"],
]

const patterns = casts.map(([path, cast]) => [path.split("."), cast] as const)

const castAt = (path: ReadonlyArray<PropertyKey>): Cast | undefined =>
  patterns.find(
    ([pattern]) =>
      pattern.length === path.length && pattern.every((part, i) => part === "*" || part === String(path[i])),
  )?.[1]

const booleans: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  y: true,
  n: false,
  on: true,
  off: false,
}

/** The value Compose would see at `path` for the (interpolated) string `value`. */
export const castScalar = (path: ReadonlyArray<PropertyKey>, value: string): string | number | boolean => {
  const cast = castAt(path)
  if (cast === undefined) return value
  const text = value.trim()
  if (cast === "bool") return booleans[text.toLowerCase()] ?? value
  if (text === "") return value
  const n = Number(text)
  if (!Number.isFinite(n)) return value
  return cast === "int" ? (Number.isInteger(n) ? n : value) : n
}

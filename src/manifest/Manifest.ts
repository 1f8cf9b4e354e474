/**
 * The fleet.yaml Schema: the Compose subset fleetd supports, and the single source of
 * truth for validation and for schemas/fleet.schema.json. It validates the Compose
 * shapes as written (after interpolation); forms with a short and a long syntax
 * (ports, service volumes, depends_on, service networks, env_file, KEY=VALUE lists)
 * decode to one canonical form (schema/Port.ts, ServiceVolume.ts, DependsOn.ts,
 * ServiceNetworks.ts, EnvFile.ts, KeyValues.ts), so no later stage parses them again, while the JSON
 * Schema still describes what users write. normalizeService.ts turns the decoded
 * value into ContainerSpecs. Decode it with `onExcessProperty: "error"` so every
 * field outside the subset is reported by name instead of silently dropped.
 */
import { Schema } from "effect"
import { parseImageRef } from "../domain/imageRef.ts"
import { durationHint, parseDuration } from "./compose/duration.ts"
import { parsePullPolicy } from "./compose/pullPolicy.ts"
import { DependsOn } from "./schema/DependsOn.ts"
import { EnvFile } from "./schema/EnvFile.ts"
import { identityFields } from "./schema/identityFields.ts"
import { keyValues } from "./schema/KeyValues.ts"
import { Port } from "./schema/Port.ts"
import { Cpus, MemLimit, resourceFields } from "./schema/resourceFields.ts"

export { Cpus, MemLimit, Port }

import { buildFields } from "./schema/buildFields.ts"
import { extendsFields, includeFields } from "./schema/composeFileFields.ts"
import { networkFields, serviceNetworkFields, volumeFields } from "./schema/networkFields.ts"
import { otherNetworkFields, otherServiceFields, otherTopLevelFields } from "./schema/otherFields.ts"
import { ServiceNetworks } from "./schema/ServiceNetworks.ts"
import { ServiceVolume } from "./schema/ServiceVolume.ts"
import { serviceSecretFields, topLevelSecretFields } from "./schema/secretFields.ts"

const opt = Schema.optionalKey

/**
 * A string the given parser accepts; the parser's message becomes the issue. The
 * description goes on the string itself: annotations added after a check land on
 * the check and are lost from the JSON Schema.
 */
const parsedString = (description: string, check: (s: string) => string | undefined) =>
  Schema.String.annotate({ description }).check(Schema.makeFilter((s: string) => check(s)))

/** Compose allows `x-*` keys almost anywhere, typically to hold YAML anchors. */
const Extensions = Schema.Record(Schema.TemplateLiteral(["x-", Schema.String]), Schema.Unknown)

export const ImageReference = parsedString("Image reference, e.g. busybox:1.36", (s) =>
  parseImageRef(s) === undefined
    ? `"${s}" is not a valid image reference (expected name[:tag][@digest], lowercase)`
    : undefined,
).annotate({ identifier: "ImageReference", expected: "an image reference" })

export const Duration = parsedString("Compose duration, e.g. 10s, 1m30s, 500ms", (s) =>
  parseDuration(s) === undefined ? `"${s}" is not ${durationHint}` : undefined,
).annotate({ identifier: "Duration", expected: "a duration string" })

const ScalarValue = Schema.NullOr(Schema.Union([Schema.String, Schema.Finite, Schema.Boolean]))

export const StringList = Schema.Array(Schema.String)

const StringOrList = Schema.Union([Schema.String, StringList])

/** `environment`, `labels`: a mapping, or a list of `KEY=VALUE` (or bare `KEY`). */
export const KeyValues = keyValues(
  Schema.Union([Schema.Record(Schema.String, ScalarValue), StringList]).annotate({
    identifier: "KeyValues",
    description: "Mapping of KEY: value, or a list of KEY=value strings",
  }),
)

export const Healthcheck = Schema.Struct({
  test: opt(
    StringOrList.annotate({ description: 'Command: a shell string, or ["CMD", ...] / ["CMD-SHELL", "..."]' }),
  ),
  interval: opt(Duration),
  timeout: opt(Duration),
  start_period: opt(Duration),
  start_interval: opt(Duration),
  retries: opt(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  disable: opt(Schema.Boolean),
}).annotate({ identifier: "Healthcheck" })

export const Restart = parsedString("no | always | on-failure[:N] | unless-stopped", (s) =>
  /^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(s)
    ? undefined
    : `"${s}" is not a restart policy (no, always, on-failure[:N], unless-stopped)`,
).annotate({ identifier: "Restart", expected: "a restart policy" })

export const PullPolicy = parsedString(
  "always | missing | never | build | daily | weekly | every_<duration> (if_not_present = missing)",
  (s) => {
    const parsed = parsePullPolicy(s)
    return typeof parsed === "string" ? parsed : undefined
  },
).annotate({ identifier: "PullPolicy", expected: "a pull policy" })

export const NetworkMode = parsedString("host | none | bridge | service:<name> | container:<name>", (s) =>
  /^(host|none|bridge|service:.+|container:.+)$/.test(s)
    ? undefined
    : `network_mode "${s}" is not supported (host, none, bridge, service:<name>, container:<name>)`,
).annotate({ identifier: "NetworkMode", expected: "a network mode" })

/**
 * Namespace modes: only the host's namespace (or the engine's default) is supported;
 * joining another container's namespace is refused rather than half-supported. Whether
 * `host` is allowed at all is the operator policy's decision (src/policy).
 */
const namespaceMode = (field: string, allowed: ReadonlyArray<string>) =>
  parsedString(allowed.join(" | "), (s) =>
    allowed.includes(s) ? undefined : `${field} "${s}" is not supported (${allowed.join(", ")})`,
  ).annotate({ expected: `${field} mode` })

/** `volumes_from`: `service[:ro|rw]` of this fleet, or `container:name[:ro|rw]`. */
export const VolumesFrom = parsedString("service[:ro|rw] or container:name[:ro|rw]", (s) =>
  /^(container:)?[a-zA-Z0-9][a-zA-Z0-9_.-]*(:(ro|rw))?$/.test(s)
    ? undefined
    : `"${s}" is not a volumes_from entry (service[:ro|rw] or container:name[:ro|rw])`,
).annotate({ identifier: "VolumesFrom", expected: "a volumes_from entry" })

/** `devices`: `HOST[:CONTAINER[:PERMISSIONS]]` or the long syntax. */
export const Device = Schema.Union([
  parsedString("HOST_PATH[:CONTAINER_PATH[:rwm]]", (s) =>
    /^\/[^:]*(:\/[^:]*(:[rwm]{1,3})?)?$/.test(s)
      ? undefined
      : `"${s}" is not a device (HOST_PATH[:CONTAINER_PATH[:rwm]], absolute paths)`,
  ),
  Schema.Struct({
    source: Schema.String.check(Schema.isStartingWith("/")),
    target: opt(Schema.String.check(Schema.isStartingWith("/"))),
    permissions: opt(Schema.String.check(Schema.isPattern(/^[rwm]{1,3}$/))),
  }),
]).annotate({ identifier: "Device" })

/** `sysctls`: a mapping or a list of `name=value`. */
export const Sysctls = Schema.Union([
  Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Finite])),
  Schema.Array(
    parsedString("name=value", (s) => (/^[^=\s]+=/.test(s) ? undefined : `"${s}" is not name=value`)),
  ),
]).annotate({ identifier: "Sysctls", description: "Mapping of name: value, or a list of name=value" })

/**
 * `x-fleetd.track`: `digest` follows the tag's current digest in its registry (a
 * re-pushed tag is rolled out without a commit); `tag` (the default) uses whatever
 * the engine has under the tag. Per service, or for the whole fleet.
 */
export const Track = Schema.Literals(["digest", "tag"]).annotate({
  identifier: "Track",
  description:
    "digest: resolve the tag to the registry's current digest on every pass and roll out a new one; tag (default): use the local image",
})

/**
 * `x-fleetd.update`: how a replacement is rolled out and health-gated. Normalized by
 * normalizeUpdate.ts; none of it is part of the config hash (retuning a timeout must
 * not replace a container).
 */
export const UpdateSettings = Schema.Struct({
  order: opt(
    Schema.Literals(["start-first", "stop-first"]).annotate({
      description:
        "start-first (default) or stop-first (the default when the service publishes fixed host ports)",
    }),
  ),
  // Durations stay bare so the JSON Schema refers to the one Duration definition.
  health_timeout: opt(Duration),
  min_ready: opt(Duration),
  rollback: opt(
    Schema.Boolean.annotate({
      description: "Restore the old container when the new one fails (default true)",
    }),
  ),
}).annotate({
  identifier: "UpdateSettings",
  description:
    "order, health_timeout (a healthcheck must pass within it; default 60s), min_ready (without a healthcheck, the container must run this long; default 5s), rollback",
})

/** Fleet-wide fleetd settings; every other key is refused. */
export const FleetdExtension = Schema.Struct({
  track: opt(Track),
  target: opt(
    Schema.Literals(["engine", "swarm"]).annotate({
      description:
        "swarm: deploy the services as Docker Swarm services on a Swarm manager (docs/swarm.md); engine (default): containers on one engine. --swarm / FLEETD_SWARM=1 chooses swarm whatever this says",
    }),
  ),
  // Bare, so the JSON Schema refers to the one UpdateSettings definition.
  update: opt(UpdateSettings),
  prune_volumes: opt(
    Schema.Boolean.annotate({
      description:
        "Remove volumes (and their data) that leave the manifest; by default they are kept (default false)",
    }),
  ),
}).annotate({
  identifier: "FleetdExtension",
  expected: "a mapping",
  description:
    "fleetd settings for the whole fleet: track, target (engine or swarm), update (defaults for every service's x-fleetd.update, overridden field by field), prune_volumes",
})

/** What a hook step runs: a list, or a string split like Compose's `command` (no shell). */
const HookCommand = StringOrList.annotate({
  description: "A list, or a string split like Compose's command; no shell runs on the host",
})

/** A one-shot container; by default the service's image, environment, env_file and networks. */
export const HookRun = Schema.Struct({
  command: HookCommand,
  image: opt(ImageReference),
  environment: opt(KeyValues),
  volumes: opt(Schema.Array(ServiceVolume)),
  timeout: opt(Duration),
}).annotate({ identifier: "HookRun" })

/** A command inside the running service container (the old one before, the new one after). */
export const HookExec = Schema.Struct({
  command: HookCommand,
  timeout: opt(Duration),
  user: opt(Schema.String),
}).annotate({ identifier: "HookExec" })

/** Exactly one of `run` and `exec`: a step that says both (or neither) is ambiguous. */
export const HookStep = Schema.Struct({ run: opt(HookRun), exec: opt(HookExec) })
  .check(
    Schema.makeFilter((step) =>
      (step.run === undefined) === (step.exec === undefined)
        ? "a hook step has exactly one of run or exec"
        : undefined,
    ),
  )
  .annotate({
    identifier: "HookStep",
    description: "run: a one-shot container, or exec: a command in the service container",
  })

/** `x-fleetd.hooks`: run only when the service is created or replaced. Not part of the config hash. */
export const Hooks = Schema.Struct({
  pre_deploy: opt(Schema.Array(HookStep)),
  post_deploy: opt(Schema.Array(HookStep)),
  on_failure: opt(Schema.Array(HookStep)),
}).annotate({
  identifier: "Hooks",
  description:
    "pre_deploy (before the new container is created; a failure aborts the update), post_deploy (after it passed its gate and took the name; a failure rolls back), on_failure",
})

/** Per-service fleetd settings; every other key is refused. */
export const ServiceFleetd = Schema.Struct({
  track: opt(Track),
  suspend: opt(
    Schema.Union([Schema.Boolean, Schema.String]).annotate({
      description:
        "true, or the reason: fleetd leaves this service exactly as it is (not created, started, replaced or removed)",
    }),
  ),
  update: opt(UpdateSettings),
  hooks: opt(Hooks),
  self: opt(
    Schema.Boolean.annotate({
      description:
        "true on the service that runs fleetd itself: it is updated by a handover to a standby, never replaced by the process it runs (docs/self-update.md)",
    }),
  ),
}).annotate({
  identifier: "ServiceFleetd",
  expected: "a mapping",
  description: "fleetd settings for this service",
})

export const Service = Schema.StructWithRest(
  Schema.Struct({
    // Optional when `build:` is given (checkManifest requires one of them).
    image: opt(ImageReference),
    ...buildFields,
    ...extendsFields,
    command: opt(StringOrList.annotate({ description: "String (split like a shell) or list" })),
    entrypoint: opt(StringOrList),
    environment: opt(KeyValues),
    env_file: opt(EnvFile),
    ports: opt(Schema.Array(Port)),
    volumes: opt(Schema.Array(ServiceVolume)),
    networks: opt(ServiceNetworks),
    network_mode: opt(NetworkMode),
    volumes_from: opt(Schema.Array(VolumesFrom)),
    privileged: opt(Schema.Boolean),
    pid: opt(namespaceMode("pid", ["host"])),
    ipc: opt(namespaceMode("ipc", ["host", "private", "shareable", "none"])),
    uts: opt(namespaceMode("uts", ["host"])),
    userns_mode: opt(namespaceMode("userns_mode", ["host"])),
    cap_add: opt(StringList),
    cap_drop: opt(StringList),
    devices: opt(Schema.Array(Device)),
    security_opt: opt(StringList),
    sysctls: opt(Sysctls),
    labels: opt(KeyValues),
    restart: opt(Restart),
    user: opt(
      Schema.Union([Schema.String, Schema.Int]).annotate({ description: "user[:group], a name or number" }),
    ),
    working_dir: opt(Schema.String),
    hostname: opt(Schema.String),
    healthcheck: opt(Healthcheck),
    depends_on: opt(DependsOn),
    stop_signal: opt(Schema.String),
    stop_grace_period: opt(Duration),
    read_only: opt(Schema.Boolean),
    tmpfs: opt(StringOrList),
    init: opt(Schema.Boolean),
    mem_limit: opt(MemLimit),
    cpus: opt(Cpus),
    extra_hosts: opt(Schema.Union([StringList, Schema.Record(Schema.String, Schema.String)])),
    pull_policy: opt(PullPolicy),
    ...resourceFields,
    ...identityFields,
    ...serviceSecretFields,
    ...serviceNetworkFields,
    ...otherServiceFields,
    "x-fleetd": opt(ServiceFleetd),
  }),
  [Extensions],
)
  .check(
    Schema.makeFilter((s) =>
      s.image === undefined && s.build === undefined
        ? "a service needs image: (the image to run) or build: (to build it), or both"
        : undefined,
    ),
  )
  .annotate({ identifier: "Service", description: "A Compose service (the subset fleetd supports)" })

const Driver = Schema.String.annotate({ description: "Engine driver, e.g. bridge or local" })

export const Network = Schema.StructWithRest(
  Schema.Struct({
    driver: opt(Driver),
    internal: opt(Schema.Boolean),
    labels: opt(KeyValues),
    name: opt(Schema.String),
    ...networkFields,
    ...otherNetworkFields,
  }),
  [Extensions],
).annotate({ identifier: "Network" })

export const Volume = Schema.StructWithRest(
  Schema.Struct({
    driver: opt(Driver),
    driver_opts: opt(
      Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Finite])).annotate({
        description:
          "Driver options, e.g. type: none, o: bind, device: /srv/data (host binds need the operator policy)",
      }),
    ),
    labels: opt(KeyValues),
    name: opt(Schema.String),
    ...volumeFields,
  }),
  [Extensions],
).annotate({ identifier: "Volume" })

export const Manifest = Schema.StructWithRest(
  Schema.Struct({
    name: opt(Schema.String.annotate({ description: "Fleet name; defaults to the directory name" })),
    version: opt(Schema.String.annotate({ description: "Obsolete in Compose; accepted and ignored" })),
    services: opt(Schema.NullOr(Schema.Record(Schema.String, Service))),
    networks: opt(Schema.NullOr(Schema.Record(Schema.String, Schema.NullOr(Network)))),
    volumes: opt(Schema.NullOr(Schema.Record(Schema.String, Schema.NullOr(Volume)))),
    ...topLevelSecretFields,
    ...includeFields,
    ...otherTopLevelFields,
    "x-fleetd": opt(FleetdExtension),
  }),
  [Extensions],
).annotate({
  identifier: "FleetManifest",
  title: "fleet.yaml",
  description: "fleetd manifest: a Compose file restricted to the subset fleetd supports",
})

export type Manifest = typeof Manifest.Type
export type Service = typeof Service.Type
export type Network = typeof Network.Type
export type Volume = typeof Volume.Type

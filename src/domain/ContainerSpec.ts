/**
 * The engine-neutral description of one container, as fleetd will create it.
 *
 * It is what a service block of fleet.yaml becomes once interpolated, defaulted and
 * normalized: every list that has no meaningful order is sorted, every duration is in
 * nanoseconds and every size in bytes, so that two manifests meaning the same thing
 * give byte-identical specs (and so the same spec hash). Only `engine/` turns it into
 * an Engine API request body.
 */
export interface PortBinding {
  readonly target: number
  readonly protocol: "tcp" | "udp" | "sctp"
  /** Host port; undefined lets the engine pick an ephemeral one. */
  readonly published?: number
  /** Host address to bind; undefined means all addresses. */
  readonly hostIp?: string
}

export type Mount =
  | { readonly type: "bind"; readonly source: string; readonly target: string; readonly readOnly: boolean }
  | { readonly type: "volume"; readonly source: string; readonly target: string; readonly readOnly: boolean }
  | { readonly type: "anonymous"; readonly target: string; readonly readOnly: boolean }

export interface Healthcheck {
  /** Engine form: ["NONE"], ["CMD", ...] or ["CMD-SHELL", "..."]. */
  readonly test: ReadonlyArray<string>
  readonly intervalNs?: number
  readonly timeoutNs?: number
  readonly startPeriodNs?: number
  readonly retries?: number
}

export interface NetworkAttachment {
  /** Engine-side network name (already prefixed with the fleet name when managed). */
  readonly name: string
  readonly aliases: ReadonlyArray<string>
}

export type RestartPolicy = "no" | "always" | "on-failure" | "unless-stopped"

export interface ContainerSpec {
  readonly image: string
  readonly command?: ReadonlyArray<string>
  readonly entrypoint?: ReadonlyArray<string>
  /** `KEY=value`, sorted by key; env_file entries already merged under `environment`. */
  readonly env: ReadonlyArray<string>
  readonly ports: ReadonlyArray<PortBinding>
  readonly mounts: ReadonlyArray<Mount>
  /** Sorted by name; empty when `networkMode` is set. */
  readonly networks: ReadonlyArray<NetworkAttachment>
  /** `host`, `none`, `bridge`, or `service:<name>` resolved to `container:<fleet>-<name>`. */
  readonly networkMode?: string
  /** User labels only; fleetd's own `fleetd.*` labels are added by the applier. */
  readonly labels: Readonly<Record<string, string>>
  readonly restart: RestartPolicy
  readonly restartMaxRetries?: number
  readonly user?: string
  readonly workingDir?: string
  readonly hostname?: string
  readonly healthcheck?: Healthcheck
  readonly stopSignal?: string
  readonly stopGracePeriodSeconds?: number
  readonly readOnly: boolean
  /** Mount point → options string (may be ""). */
  readonly tmpfs: Readonly<Record<string, string>>
  readonly init: boolean
  readonly memLimitBytes?: number
  readonly nanoCpus?: number
  /** `host:ip`, sorted. */
  readonly extraHosts: ReadonlyArray<string>
}

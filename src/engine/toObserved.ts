import { normalizeImageRef } from "../domain/imageRef.ts"
import { Labels } from "../domain/labels.ts"
import type { ObservedContainer, ObservedImage, ObservedPort } from "../domain/ObservedState.ts"
import type { ContainerState } from "./ContainerEngine.ts"

/**
 * Pure projections of Engine API responses into fleetd's small models. The responses
 * are typed loosely (`| null`, optional) on purpose: Docker and Podman disagree on
 * which fields may be null or missing.
 */

export interface ListedContainer {
  readonly Id: string
  readonly Names?: ReadonlyArray<string> | null | undefined
  readonly Labels?: Readonly<Record<string, string>> | null | undefined
  readonly State?: string | undefined
  /** Human text such as "Up 5 minutes (healthy)": the list call's only word on health. */
  readonly Status?: string | undefined
  readonly ImageID?: string | undefined
  readonly NetworkSettings?:
    | { readonly Networks?: Readonly<Record<string, unknown>> | null | undefined }
    | null
    | undefined
  readonly Mounts?:
    | ReadonlyArray<{ readonly Type?: string | undefined; readonly Name?: string | undefined }>
    | null
    | undefined
  /** Published bindings and (Docker only) exposed ports: the list call already carries them. */
  readonly Ports?:
    | ReadonlyArray<{
        readonly IP?: string | undefined
        readonly PrivatePort?: number | undefined
        readonly PublicPort?: number | undefined
        readonly Type?: string | undefined
      }>
    | null
    | undefined
}

/** Code-point order: the same on every machine, whatever its locale. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The listed ports, de-duplicated and sorted, so an unchanged container gives an unchanged status. */
const portsOf = (ports: ListedContainer["Ports"]): ReadonlyArray<ObservedPort> => {
  const out = new Map<string, ObservedPort>()
  for (const p of ports ?? []) {
    if (p.PrivatePort === undefined) continue
    const port: ObservedPort = {
      containerPort: p.PrivatePort,
      protocol: p.Type ?? "tcp",
      ...(p.PublicPort === undefined || p.PublicPort === 0 ? {} : { hostPort: p.PublicPort }),
      ...(p.PublicPort === undefined || p.PublicPort === 0 || p.IP === undefined || p.IP === ""
        ? {}
        : { hostIp: p.IP }),
    }
    out.set(`${port.containerPort}/${port.protocol}/${port.hostIp ?? ""}/${port.hostPort ?? ""}`, port)
  }
  return [...out.values()].sort(
    (a, b) =>
      a.containerPort - b.containerPort ||
      byText(a.protocol, b.protocol) ||
      (a.hostPort ?? 0) - (b.hostPort ?? 0) ||
      byText(a.hostIp ?? "", b.hostIp ?? ""),
  )
}

const healthOf = (status: string | undefined): ObservedContainer["health"] => {
  const match = /\((healthy|unhealthy|health: starting)\)/.exec(status ?? "")
  if (match === null) return undefined
  return match[1] === "health: starting" ? "starting" : (match[1] as "healthy" | "unhealthy")
}

/** Docker and Podman both list an exited container's status as "Exited (CODE) ... ago". */
const exitCodeOf = (state: string | undefined, status: string | undefined): number | undefined => {
  if (state !== "exited" && state !== "stopped") return undefined
  const match = /^Exited \((-?\d+)\)/.exec(status ?? "")
  return match === null ? undefined : Number(match[1])
}

export const toObservedContainer = (c: ListedContainer): ObservedContainer => {
  const health = healthOf(c.Status)
  const exitCode = exitCodeOf(c.State, c.Status)
  const ports = portsOf(c.Ports)
  return {
    id: c.Id,
    ...(health === undefined ? {} : { health }),
    ...(exitCode === undefined ? {} : { exitCode }),
    name: (c.Names?.[0] ?? "").replace(/^\//, ""),
    labels: { ...c.Labels },
    // Podman lists an exited container as "stopped" until its cleanup ran: the same state.
    state: c.State === "stopped" ? "exited" : (c.State ?? "unknown"),
    imageId: c.ImageID ?? "",
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort(),
    volumes: (c.Mounts ?? [])
      .filter((m) => m.Type === "volume" && m.Name !== undefined && m.Name !== "")
      .map((m) => m.Name ?? "")
      .sort(),
    ...(ports.length === 0 ? {} : { ports }),
  }
}

export interface ListedImage {
  readonly Id: string
  readonly RepoTags?: ReadonlyArray<string> | null | undefined
  readonly RepoDigests?: ReadonlyArray<string> | null | undefined
  readonly Labels?: Readonly<Record<string, string>> | null | undefined
}

export const toObservedImage = (image: ListedImage): ObservedImage => {
  const refs = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])]
    .filter((ref) => !ref.startsWith("<none>"))
    .map(normalizeImageRef)
  const buildHash = image.Labels?.[Labels.buildHash]
  return { id: image.Id, refs: [...new Set(refs)].sort(), ...(buildHash === undefined ? {} : { buildHash }) }
}

/** The part of `GET /containers/{id}/json` that ContainerState and the Podman health driver read. */
export interface InspectedContainer {
  readonly Id: string
  readonly Name: string
  readonly State: {
    readonly Running?: boolean | undefined
    readonly Status?: string | undefined
    readonly ExitCode?: number | undefined
    readonly StartedAt?: string | undefined
    readonly Health?: { readonly Status?: string | undefined } | null | undefined
  }
  readonly RestartCount?: number | undefined
  readonly Config?:
    | {
        readonly Labels?: Readonly<Record<string, string>> | null | undefined
        readonly Healthcheck?:
          | {
              readonly Test?: ReadonlyArray<string> | null | undefined
              readonly Interval?: number | undefined
            }
          | null
          | undefined
      }
    | null
    | undefined
}

export const toContainerState = (c: InspectedContainer): ContainerState => {
  const health = c.State.Health?.Status
  const fleet = c.Config?.Labels?.[Labels.fleet]
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ""),
    running: c.State.Running === true,
    status: c.State.Status ?? "unknown",
    exitCode: c.State.ExitCode ?? 0,
    restartCount: c.RestartCount ?? 0,
    // Podman reports "" for containers without a healthcheck.
    ...(health === undefined || health === "" ? {} : { health }),
    ...(fleet === undefined ? {} : { fleet }),
  }
}

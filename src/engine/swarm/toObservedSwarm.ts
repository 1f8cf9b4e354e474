/**
 * The Engine API's Swarm answers (the fields fleetd reads) → ObservedSwarm. Pure.
 */
import type { ObservedSwarmService, ObservedTask } from "../../domain/ObservedSwarm.ts"

export interface ApiService {
  readonly ID: string
  readonly Version: { readonly Index: number }
  readonly Spec: {
    readonly Name: string
    readonly Labels?: Record<string, string> | null
    readonly Mode?: { readonly Replicated?: { readonly Replicas?: number }; readonly Global?: object }
    readonly TaskTemplate?: {
      readonly ContainerSpec?: {
        readonly Secrets?: ReadonlyArray<{ readonly SecretName?: string }> | null
        readonly Configs?: ReadonlyArray<{ readonly ConfigName?: string }> | null
      }
    }
  }
  readonly UpdateStatus?: { readonly State?: string; readonly StartedAt?: string; readonly Message?: string }
}

export interface ApiTask {
  readonly ID: string
  readonly ServiceID: string
  readonly Slot?: number
  readonly NodeID?: string
  readonly DesiredState: string
  readonly Status: { readonly State: string; readonly Err?: string; readonly Timestamp?: string }
}

export interface ApiNode {
  readonly ID: string
  readonly Description?: { readonly Hostname?: string }
}

export interface ApiObject {
  readonly ID: string
  readonly Spec: { readonly Name: string; readonly Labels?: Record<string, string> | null }
}

export const toObservedService = (s: ApiService): ObservedSwarmService => {
  const u = s.UpdateStatus
  const replicas = s.Spec.Mode?.Global === undefined ? (s.Spec.Mode?.Replicated?.Replicas ?? 1) : undefined
  const container = s.Spec.TaskTemplate?.ContainerSpec
  const objects = [
    ...(container?.Secrets ?? []).map((r) => r.SecretName ?? ""),
    ...(container?.Configs ?? []).map((r) => r.ConfigName ?? ""),
  ].filter((n) => n !== "")
  return {
    id: s.ID,
    name: s.Spec.Name,
    version: s.Version.Index,
    labels: s.Spec.Labels ?? {},
    ...(u?.State === undefined || u.State === "" ? {} : { updateState: u.State }),
    ...(u?.StartedAt === undefined ? {} : { updateStartedAt: u.StartedAt }),
    ...(u?.Message === undefined || u.Message === "" ? {} : { updateMessage: u.Message }),
    ...(replicas === undefined ? {} : { replicas }),
    ...(objects.length === 0 ? {} : { objects }),
  }
}

export const toObservedTask = (t: ApiTask, hostnames: ReadonlyMap<string, string>): ObservedTask => ({
  id: t.ID,
  serviceId: t.ServiceID,
  ...(t.Slot === undefined ? {} : { slot: t.Slot }),
  node: t.NodeID === undefined || t.NodeID === "" ? "" : (hostnames.get(t.NodeID) ?? t.NodeID),
  desiredState: t.DesiredState,
  state: t.Status.State,
  ...(t.Status.Err === undefined || t.Status.Err === "" ? {} : { error: t.Status.Err }),
  at: t.Status.Timestamp ?? "",
})

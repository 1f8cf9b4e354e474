import { Context, Effect, Layer, Ref } from "effect"
import type { LoadedManifest } from "../manifest/loadManifest.ts"
import type { LoadedProjects } from "../manifest/loadProjects.ts"
import type { HeldSpec } from "../planner/planService.ts"
import type { FailedBuilds } from "../reconciler/failedBuilds.ts"
import type { Remembered } from "../reconciler/Remembered.ts"
import type { ResourceMemo } from "../reconciler/reconcile.ts"
import type { SourceSnapshot } from "../source/ManifestSource.ts"

/**
 * What a source's passes remember between passes. A git revision names its files for
 * ever, so the same revision needs no second read and decode (most of a no-op pass's
 * CPU); directory mode is never cached (an env_file may change without changing the
 * revision), nor is a repository with --local-files, which lie outside every revision.
 */
export interface PassMemoryState {
  /** The snapshot the last fetch read, checked again by a pass only image pushes asked for. */
  readonly snapshot?: SourceSnapshot
  /** The manifest last loaded from a git revision (a single-manifest source). */
  readonly manifest?: { readonly revision: string; readonly loaded: LoadedManifest }
  /** The projects last discovered and loaded from a git revision (a source of projects). */
  readonly projects?: { readonly revision: string; readonly loaded: LoadedProjects }
  /** Per fleet, what the last pass saw of its networks and volumes, so a no-op pass need not list them. */
  readonly resources: ReadonlyMap<string, ResourceMemo>
  /** Per fleet and service, the spec rolled back last and at which revision: not retried until something changes. */
  readonly held: ReadonlyMap<string, ReadonlyMap<string, HeldSpec>>
  /** Builds that failed, by the hash of their inputs: shared by the source's fleets, since the hash says it all. */
  readonly failedBuilds: FailedBuilds
}

const empty: PassMemoryState = { resources: new Map(), held: new Map(), failedBuilds: new Map() }

/**
 * A source's memory across passes, in a Ref: every write is a new value, and a value read
 * from it is never changed in place. Each source builds its own (sourceLayer.ts), so a
 * restarted source starts with an empty memory.
 */
export class PassMemory extends Context.Service<
  PassMemory,
  {
    readonly get: Effect.Effect<PassMemoryState>
    readonly update: (f: (memory: PassMemoryState) => PassMemoryState) => Effect.Effect<void>
  }
>()("fleetd/daemon/PassMemory") {
  static readonly layer = Layer.effect(
    PassMemory,
    Effect.map(Ref.make(empty), (ref) =>
      PassMemory.of({ get: Ref.get(ref), update: (f) => Ref.update(ref, f) }),
    ),
  )
}

/** One fleet's share of the memory, as the reconciler reads and writes it (reconcile.ts). */
export const fleetMemory = (memory: PassMemory["Service"], fleet: string) => ({
  resources: {
    get: Effect.map(memory.get, (m) => m.resources.get(fleet) ?? {}),
    update: (f) =>
      memory.update((m) => ({
        ...m,
        resources: new Map(m.resources).set(fleet, f(m.resources.get(fleet) ?? {})),
      })),
  } satisfies Remembered<ResourceMemo>,
  failedBuilds: {
    get: Effect.map(memory.get, (m) => m.failedBuilds),
    update: (f) => memory.update((m) => ({ ...m, failedBuilds: f(m.failedBuilds) })),
  } satisfies Remembered<FailedBuilds>,
  held: Effect.map(memory.get, (m) => m.held.get(fleet) ?? new Map<string, HeldSpec>()),
  setHeld: (held: ReadonlyMap<string, HeldSpec>) =>
    memory.update((m) => ({ ...m, held: new Map(m.held).set(fleet, held) })),
})

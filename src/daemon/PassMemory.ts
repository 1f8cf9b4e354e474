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
  /**
   * Per fleet, builds that failed, by the hash of their inputs. Per fleet, not shared by the
   * source's fleets: each pass forgets the inputs its fleet no longer asks for, which would
   * be every other fleet's.
   */
  readonly failedBuilds: ReadonlyMap<string, FailedBuilds>
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

/** `fleet`'s entry in one of the memory's per-fleet maps, read and replaced whole. */
const entry = <A>(
  memory: PassMemory["Service"],
  fleet: string,
  initial: A,
  map: (m: PassMemoryState) => ReadonlyMap<string, A>,
  withMap: (m: PassMemoryState, map: ReadonlyMap<string, A>) => PassMemoryState,
): Remembered<A> => ({
  get: Effect.map(memory.get, (m) => map(m).get(fleet) ?? initial),
  update: (f) =>
    memory.update((m) => withMap(m, new Map(map(m)).set(fleet, f(map(m).get(fleet) ?? initial)))),
})

/** One fleet's share of the memory: the reconciler reads and writes the first two (reconcile.ts). */
export const fleetMemory = (memory: PassMemory["Service"], fleet: string) => ({
  resources: entry<ResourceMemo>(
    memory,
    fleet,
    {},
    (m) => m.resources,
    (m, resources) => ({ ...m, resources }),
  ),
  failedBuilds: entry<FailedBuilds>(
    memory,
    fleet,
    new Map(),
    (m) => m.failedBuilds,
    (m, failedBuilds) => ({ ...m, failedBuilds }),
  ),
  held: entry<ReadonlyMap<string, HeldSpec>>(
    memory,
    fleet,
    new Map(),
    (m) => m.held,
    (m, held) => ({ ...m, held }),
  ),
})

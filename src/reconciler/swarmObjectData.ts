import { createHash } from "node:crypto"
import { Effect, FileSystem, Redacted } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import type { SwarmObjectKind } from "../engine/swarm/SwarmEngine.ts"
import { objectKey, swarmObjectName } from "../engine/swarm/swarmObjects.ts"

/** One secret or config the fleet's services ask for, with its data (never logged). */
export interface DesiredSwarmObject {
  readonly kind: SwarmObjectKind
  /** Its key under the top-level `secrets:` or `configs:`. */
  readonly source: string
  /** `<fleet>_<key>_<hash>` (swarmObjects.ts). */
  readonly name: string
  readonly data: Uint8Array
  /** The services that use it: they fail alone when it cannot be made. */
  readonly services: ReadonlyArray<string>
}

/**
 * The data of every secret and config the fleet's services use, and its content-hashed
 * name: a repository file is read now (as the container path bind-mounts it), a value
 * (`environment:`, `content:`, a SOPS-decrypted file) is taken as it is. Blocked and
 * suspended services are left as they run, so theirs are not needed. A file that cannot
 * be read fails the services using it, with the reason, never the pass.
 */
export const swarmObjectData = Effect.fnUntraced(function* (desired: DesiredState) {
  const fs = yield* FileSystem.FileSystem
  const objects = new Map<string, DesiredSwarmObject>()
  const failed = new Map<string, string>()
  for (const service of desired.services) {
    if (service.blocked !== undefined || service.suspended !== undefined) continue
    const grants = [
      ...(service.spec.secrets ?? []).map((g) => ["secret", g] as const),
      ...(service.spec.configs ?? []).map((g) => ["config", g] as const),
    ]
    for (const [kind, grant] of grants) {
      const key = objectKey(kind, grant.source)
      const known = objects.get(key)
      if (known !== undefined) {
        objects.set(key, { ...known, services: [...known.services, service.name] })
        continue
      }
      const from = grant.from
      const value = from.type === "content" ? Redacted.value(from.content) : undefined
      // A binary SOPS value is bytes already: sent byte for byte, as to a container.
      const data =
        from.type === "file"
          ? fs.readFile(from.path)
          : Effect.succeed(
              typeof value === "string" ? new TextEncoder().encode(value) : (value ?? new Uint8Array()),
            )
      const read = yield* Effect.result(data)
      if (read._tag === "Failure") {
        failed.set(
          service.name,
          `${kind} "${grant.source}": cannot read ${from.type === "file" ? from.path : "its value"}: ${read.failure.message}`,
        )
        continue
      }
      const sha = createHash("sha256").update(read.success).digest("hex")
      objects.set(key, {
        kind,
        source: grant.source,
        name: swarmObjectName(desired.fleet, grant.source, sha),
        data: read.success,
        services: [service.name],
      })
    }
  }
  return {
    objects: objects as ReadonlyMap<string, DesiredSwarmObject>,
    failed: failed as ReadonlyMap<string, string>,
  }
})

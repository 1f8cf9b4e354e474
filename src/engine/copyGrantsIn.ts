import { Clock, Effect, Redacted } from "effect"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import { copiedGrants } from "../domain/FileGrant.ts"
import type { EngineError } from "./EngineError.ts"
import { tarArchive } from "./tarArchive.ts"

export type PutArchive = (id: string, path: string, archive: Uint8Array) => Effect.Effect<void, EngineError>

/**
 * Copies the secrets and configs a spec gives by value into a created container, in
 * one archive, as `docker compose` does before every start (pkg/compose/secrets.go).
 * Nothing to copy makes no call. The values leave the process only in the archive.
 */
export const copyGrantsIn = (putArchive: PutArchive, id: string, spec: ContainerSpec) =>
  Effect.gen(function* () {
    const grants = copiedGrants(spec)
    if (grants.length === 0) return
    const mtimeSeconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const archive = tarArchive(
      grants.map((g) => {
        const content = Redacted.value(g.from.content)
        return {
          path: g.target.replace(/^\/+/, ""),
          content: typeof content === "string" ? new TextEncoder().encode(content) : content,
          mode: g.from.mode,
          uid: g.from.uid,
          gid: g.from.gid,
          mtimeSeconds,
        }
      }),
    )
    yield* putArchive(id, "/", archive)
  })

/**
 * Compose `secrets:` and `configs:` on the swarm target become Swarm secrets and configs.
 * Swarm never changes one in place, so each is named after its content:
 * `<fleet>_<key>_<first 12 hex of its sha256>`. A changed value is a new name, the
 * services using it are updated to it (the name is part of their spec hash), and the old
 * one is removed once no service of the fleet uses it. Pure, but for the ids, which only
 * exist once the engine created them.
 */
import type { FileGrant } from "../../domain/FileGrant.ts"
import type { SwarmObjectKind } from "./SwarmEngine.ts"

/** The name of a secret or config of `fleet` from its key and the sha256 (hex) of its data. */
export const swarmObjectName = (fleet: string, key: string, sha256: string): string =>
  `${fleet}_${key}_${sha256.slice(0, 12)}`

/** How the names are looked up: one map for both kinds, keyed by kind and Compose key. */
export const objectKey = (kind: SwarmObjectKind, source: string): string => `${kind}:${source}`

/** Swarm's `SecretReference`/`ConfigReference` of one grant; the id is filled in at apply time. */
export const objectReference = (kind: SwarmObjectKind, grant: FileGrant, name: string) => {
  const from = grant.from
  const file = {
    Name: grant.target,
    UID: String(from.type === "content" ? from.uid : 0),
    GID: String(from.type === "content" ? from.gid : 0),
    Mode: from.type === "content" ? from.mode : 0o444,
  }
  return kind === "secret" ? { File: file, SecretName: name } : { File: file, ConfigName: name }
}

/** A spec's references with the ids of the objects they name (`ids`: name → id). */
export const withObjectIds = <
  S extends { readonly TaskTemplate: { readonly ContainerSpec: Record<string, unknown> } },
>(
  spec: S,
  ids: ReadonlyMap<string, string>,
): S => {
  const container = spec.TaskTemplate.ContainerSpec
  const fill = (refs: unknown, name: "SecretName" | "ConfigName", id: "SecretID" | "ConfigID") =>
    Array.isArray(refs)
      ? refs.map((r: Record<string, unknown>) => ({ ...r, [id]: ids.get(String(r[name])) ?? "" }))
      : undefined
  const secrets = fill(container["Secrets"], "SecretName", "SecretID")
  const configs = fill(container["Configs"], "ConfigName", "ConfigID")
  if (secrets === undefined && configs === undefined) return spec
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: {
        ...container,
        ...(secrets === undefined ? {} : { Secrets: secrets }),
        ...(configs === undefined ? {} : { Configs: configs }),
      },
    },
  }
}

/**
 * The Compose service fields that say which container a service is: `container_name`
 * (a fixed name instead of `<fleet>-<service>`). Spread into Manifest.ts's Service
 * struct; checkContainerNames.ts checks names across services.
 */
import { Schema } from "effect"
import { NextSuffix, PrevSuffix } from "../../domain/labels.ts"

const opt = Schema.optionalKey

/** Docker's own rule for container names. */
export const containerNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

/** Why `name` cannot be a container name fleetd manages, or undefined. */
export const containerNameProblem = (name: string): string | undefined =>
  !containerNamePattern.test(name)
    ? `"${name}" is not a valid container name (letters, digits, "_", "." and "-", starting with a letter or digit, at least 2 characters)`
    : name.endsWith(NextSuffix) || name.endsWith(PrevSuffix)
      ? `container name "${name}" must not end with "${NextSuffix}" or "${PrevSuffix}": fleetd names replacements that way`
      : undefined

export const ContainerName = Schema.String.annotate({
  description: "A fixed container name instead of <fleet>-<service>; the service is then replaced stop-first",
})
  .check(Schema.makeFilter((s: string) => containerNameProblem(s)))
  .annotate({ identifier: "ContainerName", expected: "a container name" })

export const identityFields = {
  container_name: opt(ContainerName),
}

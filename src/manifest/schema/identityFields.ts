/**
 * The Compose service fields that say which container a service is and whether it runs
 * at all: `container_name` (a fixed name instead of `<fleet>-<service>`) and `profiles`
 * (active only when one of them is enabled). Spread into Manifest.ts's Service struct;
 * checkManifest.ts checks names across services, activeServices.ts applies profiles.
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
    : name.endsWith(NextSuffix) || name.endsWith(PrevSuffix) || /--prev-[0-9]+$/.test(name)
      ? `container name "${name}" must not end with "${NextSuffix}", "${PrevSuffix}" or "${PrevSuffix}-<number>": fleetd names replacements that way`
      : undefined

export const ContainerName = Schema.String.annotate({
  description: "A fixed container name instead of <fleet>-<service>; the service is then replaced stop-first",
})
  .check(Schema.makeFilter((s: string) => containerNameProblem(s)))
  .annotate({ identifier: "ContainerName", expected: "a container name" })

/** Compose's profile names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
export const profileNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/

export const Profiles = Schema.Array(
  Schema.String.check(
    Schema.makeFilter((s: string) =>
      profileNamePattern.test(s) ? undefined : `"${s}" is not a valid profile name`,
    ),
  ),
).annotate({
  identifier: "Profiles",
  description:
    "The service runs only when one of these profiles is enabled (--profile, COMPOSE_PROFILES); without profiles it always runs",
})

export const identityFields = {
  container_name: opt(ContainerName),
  profiles: opt(Profiles),
}

/**
 * Compose `build:`: the context as a string, or the long form, decoded to the long
 * form with its context filled in (`.` by default) and `contextAt` saying where the
 * context is written below `build` ([] for the string form or no `context:` key), so
 * buildPaths.ts and normalizeBuild.ts never branch on the form. The keys fleetd
 * supports are typed here; the other keys of the Compose Specification are accepted
 * by the Schema only so normalizeBuild.ts can refuse each by name with the reason
 * (`refusedBuildKeys`), instead of a bare "unknown field".
 */
import { Schema } from "effect"
import { keyValues } from "./KeyValues.ts"
import { parsedForm } from "./parsedForm.ts"

const opt = Schema.optionalKey

const BuildValues = (description: string) =>
  keyValues(
    Schema.Union([
      Schema.Record(
        Schema.String,
        Schema.NullOr(Schema.Union([Schema.String, Schema.Finite, Schema.Boolean])),
      ),
      Schema.Array(Schema.String),
    ]).annotate({ description }),
  )

/** Why fleetd does not act on a build key (the classic build API, no registry, the operator policy). */
export const refusedBuildKeys: Readonly<Record<string, string>> = {
  ssh: "it forwards an SSH agent or key into the build; fleetd runs unattended and forwards none",
  secrets: "build secrets need BuildKit; fleetd builds through the engine's classic build API",
  cache_from: "cache images come from a registry, and fleetd's builds never pull",
  cache_to: "exporting a build cache needs BuildKit",
  additional_contexts: "additional build contexts need BuildKit",
  platforms: "multi-platform builds need BuildKit",
  tags: "fleetd tags the built image once, as image: or <fleet>-<service>",
  extra_hosts: "not supported for builds yet; add the hosts in the Dockerfile's RUN steps instead",
  isolation: "isolation applies to Windows engines only",
  privileged: "a privileged build reaches past the container and is not under the operator policy",
  ulimits: "not supported for builds yet",
  entitlements: "entitlements need BuildKit",
  provenance: "attestations need BuildKit",
  sbom: "attestations need BuildKit",
}

const refused = Object.fromEntries(
  Object.entries(refusedBuildKeys).map(([key, why]) => [
    key,
    opt(Schema.Unknown.annotate({ description: `Refused: ${why}` })),
  ]),
)

export const BuildLong = Schema.Struct({
  context: opt(
    Schema.String.annotate({ description: "Directory relative to the manifest, inside the repository" }),
  ),
  dockerfile: opt(Schema.String.annotate({ description: "Relative to the context (default Dockerfile)" })),
  dockerfile_inline: opt(Schema.String.annotate({ description: "The Dockerfile's text" })),
  args: opt(BuildValues("Build arguments: a mapping, or KEY=value strings")),
  target: opt(Schema.String.annotate({ description: "Stage to build" })),
  labels: opt(BuildValues("Labels of the built image")),
  no_cache: opt(Schema.Boolean),
  pull: opt(Schema.Boolean.annotate({ description: "Only false: fleetd's builds never pull base images" })),
  network: opt(Schema.String.annotate({ description: "none, or default (the engine's build network)" })),
  shm_size: opt(Schema.Union([Schema.String, Schema.Int])),
  ...refused,
}).annotate({ identifier: "BuildLong" })

export type CanonicalBuild = Omit<typeof BuildLong.Type, "context"> & {
  readonly context: string
  readonly contextAt: ReadonlyArray<"context">
}

/** The decoded value is already checked field by field; this only names its type. */
const Canonical = Schema.declare(
  (u: unknown): u is CanonicalBuild =>
    typeof u === "object" && u !== null && typeof (u as { context?: unknown }).context === "string",
)

export const Build = parsedForm(
  Schema.Union([Schema.String.annotate({ description: "The build context" }), BuildLong]).annotate({
    identifier: "Build",
    description: "Build the image from the repository: the context, or the long form",
  }),
  Canonical,
  (written): CanonicalBuild =>
    typeof written === "string"
      ? { context: written, contextAt: [] }
      : {
          ...written,
          context: written.context ?? ".",
          contextAt: written.context === undefined ? [] : ["context"],
        },
  ({ contextAt, ...long }) =>
    contextAt.length === 0 && Object.keys(long).length === 1 ? long.context : long,
)

/** Spread into the Service struct of Manifest.ts. */
export const buildFields = { build: opt(Build) }

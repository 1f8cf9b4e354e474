/**
 * Ownership labels. Everything fleetd creates carries `fleetd.fleet`; observation
 * lists only what carries `fleetd.fleet=<this fleet>`, so nothing without it can ever
 * reach a plan. Users may not set labels with this prefix (the manifest rejects them).
 */
export const LabelPrefix = "fleetd."

export const Labels = {
  fleet: "fleetd.fleet",
  service: "fleetd.service",
  /** Hash of the config and the image id the container was created from. */
  specHash: "fleetd.spec-hash",
  /** Hash of the config alone: tells "spec changed" from "image changed". */
  configHash: "fleetd.config-hash",
  /** Image id the container was created from, as resolved at plan time. */
  imageId: "fleetd.image-id",
  revision: "fleetd.revision",
  /** Redacted spec summary (specSummary.ts), for field-level diffs in `plan`. */
  spec: "fleetd.spec",
  /** On one-shot hook containers (the phase): never a service's container, never an orphan. */
  hook: "fleetd.hook",
  network: "fleetd.network",
  /** Projects mode (`--projects`): the project's directory, relative to the repository. */
  project: "fleetd.project",
  /** Projects mode: which repository or directory the project came from (orphans are per source). */
  projectSource: "fleetd.project-source",
  /** On images fleetd built: the hash of the build's inputs (BuildSpec.hash). */
  buildHash: "fleetd.build-hash",
  volume: "fleetd.volume",
} as const

/** Suffix of the temporary name a replacement is created under before it takes over. */
export const NextSuffix = "--next"

/** Suffix the old container carries while a new one runs its post_deploy hooks under the name. */
export const PrevSuffix = "--prev"

export const containerName = (fleet: string, service: string): string => `${fleet}-${service}`

/** The label filter that scopes every observation to one fleet. */
export const fleetFilter = (fleet: string): string => `${Labels.fleet}=${fleet}`

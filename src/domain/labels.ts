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
  /**
   * On every container fleetd creates for a service (trial.ts): when its trial began, which
   * container it replaces and whether that one was running. Set at create time, so it
   * exists exactly as long as the container: the name, not the label, says whether the
   * trial is over.
   */
  trial: "fleetd.trial",
  /**
   * On Swarm services: the hash of the task template and endpoint. An update that changes
   * it makes Swarm roll the tasks (and report UpdateStatus); one that does not (labels,
   * replicas) changes no task, so there is no rollout to wait for.
   */
  taskHash: "fleetd.task-hash",
} as const

/** Suffix of the temporary name a replacement is created under before it takes over. */
export const NextSuffix = "--next"

/** Suffix the old container carries while a new one runs its post_deploy hooks under the name. */
export const PrevSuffix = "--prev"

/**
 * The old container's name once the new one passed its gate: `<name>--prev` while no
 * post_deploy step has finished, `<name>--prev-<k>` once the first k have. The rename
 * after each step is the record a resumed pass reads (trial.ts).
 */
export const prevName = (name: string, hooksDone: number): string =>
  hooksDone === 0 ? `${name}${PrevSuffix}` : `${name}${PrevSuffix}-${hooksDone}`

/** How many post_deploy steps a `--prev` name records as done, or undefined when it is no `--prev` of `name`. */
export const prevHooksDone = (name: string, candidate: string): number | undefined => {
  const base = `${name}${PrevSuffix}`
  if (candidate === base) return 0
  if (!candidate.startsWith(`${base}-`)) return undefined
  const rest = candidate.slice(base.length + 1)
  return /^[1-9][0-9]{0,3}$/.test(rest) ? Number(rest) : undefined
}

export const containerName = (fleet: string, service: string): string => `${fleet}-${service}`

/** The label filter that scopes every observation to one fleet. */
export const fleetFilter = (fleet: string): string => `${Labels.fleet}=${fleet}`

/**
 * A service's `build:`, normalized (normalizeBuild.ts): what the engine's build API
 * gets, and the hash of every input, which the built image carries as the
 * `fleetd.build-hash` label so an unchanged context is never built twice.
 */
export interface BuildSpec {
  /** Real absolute path of the context directory (inside the repository). */
  readonly context: string
  /** Context entries sent to the builder after `.dockerignore`, relative, sorted; no directories. */
  readonly files: ReadonlyArray<string>
  /** The Dockerfile's name in the context sent to the builder. */
  readonly dockerfile: string
  /**
   * Set when fleetd adds the Dockerfile to the context itself under `dockerfile`:
   * `dockerfile_inline`, a Dockerfile outside the context or excluded by `.dockerignore`.
   */
  readonly dockerfileContent?: string
  /** `args`, interpolated; bare keys taken from the environment (omitted when unset). */
  readonly args: Readonly<Record<string, string>>
  readonly target?: string
  /** User labels of the image; fleetd adds its own (`fleetd.build-hash`). */
  readonly labels: Readonly<Record<string, string>>
  readonly noCache?: true
  /** `none` or the engine's default build network. */
  readonly network?: "none"
  readonly shmSizeBytes?: number
  /** sha256 of the context files (content), the Dockerfile, args, target and labels. */
  readonly hash: string
}

/** What one build did, for the change set and `/status` (fields are only ever added). */
export interface BuildResult {
  /** The tag built. */
  readonly image: string
  readonly ok: boolean
  /** The built image's id, when it succeeded. */
  readonly imageId?: string
  readonly durationMs: number
  /** The last lines of the builder's output, at most 4 KiB. */
  readonly outputTail: string
  /** The builder's error, when it failed. */
  readonly error?: string
}

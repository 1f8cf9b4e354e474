/**
 * The small projection of the engine's state that the planner needs. Built from one
 * container list (filtered by the `fleetd.fleet` label) and one image list; never
 * from raw `inspect` output.
 */
export interface ObservedContainer {
  readonly id: string
  /** Without the leading slash. */
  readonly name: string
  /** All labels, fleetd's included. */
  readonly labels: Readonly<Record<string, string>>
  /** Engine state: created | running | paused | restarting | removing | exited | dead. */
  readonly state: string
  /** healthy | unhealthy | starting, when the container has a healthcheck and the engine said. */
  readonly health?: "healthy" | "unhealthy" | "starting"
  /** Id of the image the container runs (sha256:...). */
  readonly imageId: string
  /** Networks the container is attached to, by name. */
  readonly networks: ReadonlyArray<string>
  /** Named volumes mounted, by name. */
  readonly volumes: ReadonlyArray<string>
}

export interface ObservedImage {
  readonly id: string
  /** Normalized references (see imageRef.ts) that point at this image. */
  readonly refs: ReadonlyArray<string>
}

export interface ObservedState {
  readonly containers: ReadonlyArray<ObservedContainer>
  readonly images: ReadonlyArray<ObservedImage>
}

/**
 * A port of a running container as the engine lists it: published (`hostPort`, on
 * `hostIp`) or only exposed (no host side). Docker lists a binding once per host
 * address family (`0.0.0.0` and `::`).
 */
export interface ObservedPort {
  readonly containerPort: number
  /** `tcp`, `udp` or `sctp`. */
  readonly protocol: string
  readonly hostIp?: string
  readonly hostPort?: number
}

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
  /** With state `exited`: the exit code, when the engine's status text says it ("Exited (3) ..."). */
  readonly exitCode?: number
  /** healthy | unhealthy | starting, when the container has a healthcheck and the engine said. */
  readonly health?: "healthy" | "unhealthy" | "starting"
  /** Id of the image the container runs (sha256:...). */
  readonly imageId: string
  /** Networks the container is attached to, by name. */
  readonly networks: ReadonlyArray<string>
  /** Named volumes mounted, by name. */
  readonly volumes: ReadonlyArray<string>
  /** Its ports, when the list said (engines list them only while the container runs). */
  readonly ports?: ReadonlyArray<ObservedPort>
}

export interface ObservedImage {
  readonly id: string
  /** Normalized references (see imageRef.ts) that point at this image. */
  readonly refs: ReadonlyArray<string>
  /** The `fleetd.build-hash` label of an image fleetd built (BuildSpec.hash). */
  readonly buildHash?: string
}

/** A network or volume labelled `fleetd.fleet=<this fleet>`, from one list call. */
export interface ObservedResource {
  /** Networks: the id (removal by id cannot hit a same-named newcomer). Volumes: the name. */
  readonly id: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly driver: string
  /** Networks only. */
  readonly internal?: boolean
}

export interface ObservedState {
  readonly containers: ReadonlyArray<ObservedContainer>
  readonly images: ReadonlyArray<ObservedImage>
  /**
   * This fleet's networks and volumes, when this pass listed them. Absent, the planner
   * trusts the containers' evidence (a network a container is attached to exists) and
   * plans no recreation or removal: the steady-state pass makes only two list calls.
   */
  readonly networks?: ReadonlyArray<ObservedResource>
  readonly volumes?: ReadonlyArray<ObservedResource>
}

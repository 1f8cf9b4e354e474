import { Effect } from "effect"
import type { DesiredNetwork } from "../domain/DesiredState.ts"
import { fleetFilter } from "../domain/labels.ts"
import type { ObservedResource } from "../domain/ObservedState.ts"
import { networkLabels } from "../domain/resourceHash.ts"
import type { ContainerEngine } from "./ContainerEngine.ts"
import type { EngineConnection } from "./connectEngine.ts"
import { dialPost } from "./dial.ts"
import type { EngineError } from "./EngineError.ts"
import { type CallContext, succeedOnStatus } from "./engineCall.ts"
import { reconnectEndpoint } from "./networkingBody.ts"

type Call = <A>(
  context: CallContext,
  run: (signal: AbortSignal) => Promise<A>,
) => Effect.Effect<A, EngineError>
type Connect = (operation: string) => Effect.Effect<EngineConnection, EngineError>

type ResourceMethods = Pick<
  ContainerEngine["Service"],
  | "listNetworks"
  | "listVolumes"
  | "claimVolume"
  | "listVolumesLabelled"
  | "removeNetwork"
  | "removeVolume"
  | "connectNetwork"
  | "disconnectNetwork"
>

interface ListedResource {
  readonly Id?: string | undefined
  readonly Name: string
  readonly Driver?: string | undefined
  readonly Internal?: boolean | undefined
  readonly Labels?: Readonly<Record<string, string>> | null | undefined
}

/** dockerode honours an AbortSignal on connect, but its typings omit it. */
const withSignal = <O extends object>(options: O, abortSignal: AbortSignal): O => ({
  ...options,
  abortSignal,
})

const toObservedResource = (r: ListedResource): ObservedResource => ({
  id: r.Id ?? r.Name,
  name: r.Name,
  labels: { ...r.Labels },
  driver: r.Driver ?? "",
  ...(r.Internal === undefined ? {} : { internal: r.Internal }),
})

/** `POST /networks/create` for a managed network, with Compose's ipam, attachable, enable_ipv6 and driver_opts. */
export const networkCreateBody = (fleet: string, network: DesiredNetwork) => {
  const ipam = network.ipam
  return {
    Name: network.name,
    Driver: network.driver,
    Internal: network.internal,
    // dockerd 20.10 allows two networks with one name unless asked not to.
    CheckDuplicate: true,
    Labels: { ...networkLabels(fleet, network) },
    ...(network.attachable === undefined ? {} : { Attachable: network.attachable }),
    ...(network.enableIpv6 === undefined ? {} : { EnableIPv6: network.enableIpv6 }),
    ...(network.driverOpts === undefined ? {} : { Options: { ...network.driverOpts } }),
    ...(ipam === undefined
      ? {}
      : {
          IPAM: {
            Driver: ipam.driver ?? "default",
            Config: ipam.config.map((c) => ({
              ...(c.subnet === undefined ? {} : { Subnet: c.subnet }),
              ...(c.ipRange === undefined ? {} : { IPRange: c.ipRange }),
              ...(c.gateway === undefined ? {} : { Gateway: c.gateway }),
              ...(c.auxAddresses === undefined ? {} : { AuxiliaryAddresses: { ...c.auxAddresses } }),
            })),
            Options: { ...ipam.options },
          },
        }),
  }
}

/**
 * The network and volume methods of the Docker/Podman engine. Listings are filtered by
 * the fleet label on the engine's side, so nothing unlabelled can reach a plan.
 */
export const dockerResources = (connect: Connect, call: Call): ResourceMethods => {
  const run = <A>(
    operation: string,
    target: string,
    f: (connection: EngineConnection, signal: AbortSignal) => Promise<A>,
  ): Effect.Effect<A, EngineError> =>
    Effect.flatMap(connect(`ContainerEngine.${operation}`), (connection) =>
      call({ operation: `ContainerEngine.${operation}`, target }, (signal) => f(connection, signal)),
    )
  const list = (items: ReadonlyArray<ListedResource>) => items.map(toObservedResource)
  return {
    listNetworks: (fleet) =>
      run("listNetworks", `networks of fleet ${fleet}`, ({ docker }, abortSignal) =>
        docker.listNetworks({ filters: { label: [fleetFilter(fleet)] }, abortSignal }),
      ).pipe(Effect.map(list)),
    listVolumes: (fleet) =>
      run("listVolumes", `volumes of fleet ${fleet}`, async ({ docker }, abortSignal) => {
        const listed = await docker.listVolumes({ filters: { label: [fleetFilter(fleet)] }, abortSignal })
        return listed.Volumes ?? []
      }).pipe(Effect.map(list)),
    claimVolume: (name, labels) =>
      run("claimVolume", `volume ${name}`, ({ docker }, abortSignal) =>
        // The engine answers with the volume that has the name, created now or before.
        dialPost<ListedResource>(
          docker,
          {
            path: "/volumes/create",
            statusCodes: { 200: true, 201: true, 409: "conflict", 500: "server error" },
          },
          { Name: name, Driver: "local", Labels: { ...labels } },
          abortSignal,
        ),
      ).pipe(Effect.map((volume) => ({ ...volume.Labels }))),
    listVolumesLabelled: (key, value) =>
      run("listVolumesLabelled", `volumes labelled ${key}=${value}`, async ({ docker }, abortSignal) => {
        const listed = await docker.listVolumes({ filters: { label: [`${key}=${value}`] }, abortSignal })
        return listed.Volumes ?? []
      }).pipe(Effect.map(list)),
    removeNetwork: (id) =>
      run("removeNetwork", `network ${id}`, ({ docker }, abortSignal) =>
        docker.getNetwork(id).remove({ abortSignal }),
      ).pipe(succeedOnStatus(404), Effect.asVoid),
    removeVolume: (name) =>
      run("removeVolume", `volume ${name}`, ({ docker }, abortSignal) =>
        docker.getVolume(name).remove({ abortSignal }),
      ).pipe(succeedOnStatus(404), Effect.asVoid),
    connectNetwork: (network, containerId, aliases, endpoint) =>
      run(
        "connectNetwork",
        `container ${containerId} joining network ${network}`,
        ({ docker, info }, abortSignal) =>
          docker
            .getNetwork(network)
            .connect(
              withSignal(
                { Container: containerId, EndpointConfig: reconnectEndpoint(aliases, endpoint, info) },
                abortSignal,
              ),
            ),
      ).pipe(Effect.asVoid),
    disconnectNetwork: (network, containerId) =>
      run(
        "disconnectNetwork",
        `container ${containerId} leaving network ${network}`,
        ({ docker }, abortSignal) =>
          docker.getNetwork(network).disconnect({ Container: containerId, Force: true, abortSignal }),
      ).pipe(Effect.asVoid),
  }
}

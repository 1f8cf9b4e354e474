import { Layer } from "effect"
import { DockerEngine } from "../engine/DockerEngine.ts"
import { DockerSwarmEngine } from "../engine/swarm/DockerSwarmEngine.ts"
import { Registry } from "../registry/Registry.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/**
 * The engine a command talks to (`--engine`, else DOCKER_HOST, else the default
 * sockets), and the registry client for tracked tags. No PullLog: a one-shot command
 * keeps no pull history, so periodic pull policies always pull. The Swarm client connects
 * only when the swarm target uses it.
 */
export const engineLayer = (args: CliArgs) => {
  const endpoint = args.engine === undefined ? {} : { endpoint: args.engine }
  return Layer.mergeAll(DockerEngine.layer(endpoint), DockerSwarmEngine.layer(endpoint), Registry.layer())
}

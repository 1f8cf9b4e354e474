import { Layer } from "effect"
import { DockerEngine } from "../engine/DockerEngine.ts"
import { Registry } from "../registry/Registry.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/**
 * The engine a command talks to (`--engine`, else DOCKER_HOST, else the default
 * sockets), and the registry client for tracked tags. No PullLog: a one-shot command
 * keeps no pull history, so periodic pull policies always pull.
 */
export const engineLayer = (args: CliArgs) =>
  Layer.merge(
    DockerEngine.layer(args.engine === undefined ? {} : { endpoint: args.engine }),
    Registry.layer(),
  )

import { DockerEngine } from "../engine/DockerEngine.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/** The engine a command talks to: `--engine`, else DOCKER_HOST, else the default sockets. */
export const engineLayer = (args: CliArgs) =>
  DockerEngine.layer(args.engine === undefined ? {} : { endpoint: args.engine })

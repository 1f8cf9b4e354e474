import { createRequire } from "node:module"

/** fleetd's version, from package.json (one place to bump it). */
export const version: string = (createRequire(import.meta.url)("../../package.json") as { version: string })
  .version

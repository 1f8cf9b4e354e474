import { realpathSync } from "node:fs"
import { dirname, resolve } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import { ageKeyFileFrom } from "../manifest/decryptSopsFiles.ts"
import { findRepositoryRoot } from "../manifest/hostFiles.ts"
import { loadManifest } from "../manifest/loadManifest.ts"
import { formatManifestError } from "../manifest/ManifestError.ts"
import { cliDataDir, hashKeyPath } from "../manifest/secretHashKey.ts"
import { withProfiles } from "../manifest/withProfiles.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/** The git work tree around the manifest, if any: its references may reach anywhere inside it. */
const repositoryOf = (file: string) => {
  let directory: string
  try {
    directory = realpathSync(dirname(resolve(file)))
  } catch {
    return Effect.succeed(undefined) // the loader reports the missing manifest
  }
  return findRepositoryRoot(directory).pipe(Effect.provide(NodeFileSystem.layer))
}

/**
 * Loads the manifest for a command. An invalid one is reported (every issue, with its
 * position) and gives undefined: no command goes near the engine with bad input.
 * Without a checkout of fleetd's own, a bind source found nowhere is created where
 * Compose creates it: in the repository itself.
 */
export const loadOrReport = Effect.fnUntraced(function* (args: CliArgs) {
  const output = yield* Output
  const loaded = yield* Effect.result(
    loadManifest(args.file, {
      fleet: args.fleet,
      environment: withProfiles(process.env, args.profiles),
      repository: yield* repositoryOf(args.file),
      localFiles: args.localFiles,
      ageKeyFile: ageKeyFileFrom(process.env),
      target: args.swarm ? "swarm" : undefined,
      // The key `fleetd run` uses with the same data directory; only apply creates it.
      hashKey: { path: hashKeyPath(process.env, cliDataDir(process.env)), create: args.command === "apply" },
    }),
  )
  if (loaded._tag === "Failure") {
    const error = loaded.failure
    if (args.json) {
      yield* output.out(JSON.stringify({ valid: false, file: error.file, issues: error.issues }, null, 2))
    } else {
      yield* output.err(formatManifestError(error))
      yield* output.err(`${error.issues.length} problem(s) in ${error.file}; nothing was changed.`)
    }
    return undefined
  }
  if (!args.json) for (const warning of loaded.success.warnings) yield* output.err(`warning: ${warning}`)
  return loaded.success satisfies { desired: DesiredState; warnings: ReadonlyArray<string> }
})

import { formatManifestIssue } from "../../../src/manifest/ManifestError.ts"
import type { FileFact } from "../../../src/manifest/manifestFiles.ts"
import { type ManifestResult, manifestFromText } from "../../../src/manifest/manifestFromText.ts"

/** Runs the pure pipeline on `text` as /repo/fleet.yaml. */
export const load = (
  text: string,
  options: {
    readonly fleet?: string | undefined
    readonly environment?: Record<string, string>
    readonly dotEnv?: string
    readonly profiles?: ReadonlyArray<string>
    readonly files?: Record<string, FileFact>
    readonly target?: "swarm"
  } = {},
): ManifestResult =>
  manifestFromText(
    {
      file: "fleet.yaml",
      text,
      root: "/repo",
      fleet: "fleet" in options ? options.fleet : "demo",
      environment: options.environment ?? {},
      dotEnv: options.dotEnv,
      profiles: options.profiles,
      target: options.target,
    },
    new Map(Object.entries(options.files ?? {})),
  )

/** The formatted issue lines, or ["ok"]. */
export const issues = (result: ManifestResult): ReadonlyArray<string> =>
  result._tag === "ok" ? ["ok"] : result.issues.map((i) => formatManifestIssue("fleet.yaml", i))

export const desired = (result: ManifestResult) => {
  if (result._tag !== "ok") throw new Error(`expected a valid manifest, got:\n${issues(result).join("\n")}`)
  return result.desired
}

export const file = (text: string, realPath: string): FileFact => ({
  kind: "file",
  realPath,
  content: new TextEncoder().encode(text),
})

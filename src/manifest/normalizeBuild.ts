/**
 * A service's `build:` → BuildSpec, and the image it runs: `image:` when given, else
 * `<fleet>-<service>` (Compose's `<project>-<service>`). The context and Dockerfile
 * must exist inside the repository (also after symlinks); every build key fleetd does
 * not act on is refused by name with the reason. The inputs' hash joins the service's
 * config hash (as a referenced file), so a changed context or Dockerfile replaces it.
 */
import { posix } from "node:path"
import type { BuildSpec } from "../domain/BuildSpec.ts"
import { parseImageRef } from "../domain/imageRef.ts"
import { LabelPrefix } from "../domain/labels.ts"
import { canonicalJson, type ReferencedFile, sha256Hex } from "../domain/specHash.ts"
import { type BuildPath, buildPaths } from "./buildPaths.ts"
import { parseByteSize } from "./compose/byteSize.ts"
import type { Service } from "./Manifest.ts"
import type { FileFact } from "./manifestFiles.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { referenceIssue } from "./referenceIssue.ts"
import { isReservedVariable, reservedVariableMessage } from "./reservedVariables.ts"
import { refusedBuildKeys } from "./schema/buildFields.ts"

export interface BuildContextInput {
  readonly fleet: string
  /** Real path of the repository root (the manifest's directory when no root is known). */
  readonly root: string
  /** The manifest's directory relative to `root`, when the repository root is known. */
  readonly base?: string | undefined
  readonly lookup: (name: string) => string | undefined
  readonly file: (relative: string) => FileFact
}

/** The name fleetd adds a Dockerfile under when it is not in the context as sent. */
export const addedDockerfileName = ".fleetd.Dockerfile"

/** The image a service runs: `image:`, else the tag its build gets. */
export const serviceImageName = (fleet: string, name: string, service: Service): string =>
  service.image ?? `${fleet}-${name}`.toLowerCase()

export const normalizeBuild = (
  name: string,
  service: Service,
  ctx: BuildContextInput,
): {
  readonly image: string
  readonly build?: BuildSpec
  readonly files: ReadonlyArray<ReferencedFile>
  readonly issues: ReadonlyArray<PathIssue>
} => {
  const at = ["services", name] as const
  const image = serviceImageName(ctx.fleet, name, service)
  const issues: Array<PathIssue> = []
  const paths = buildPaths(service, ctx.base)
  // Neither image nor build is refused by the Schema (Manifest.ts).
  if (paths === undefined || service.build === undefined) return { image, files: [], issues }
  if (service.image === undefined && parseImageRef(image) === undefined)
    issues.push(
      pathIssue(
        [...at, "build"],
        `the built image would be named "${image}", which is not a valid image name`,
        {
          onKey: true,
          hint: "give the image a name with image:",
        },
      ),
    )
  const long = service.build
  const buildAt = [...at, "build"]

  for (const key of Object.keys(refusedBuildKeys))
    if ((long as Record<string, unknown>)[key] !== undefined)
      issues.push(
        pathIssue([...buildAt, key], `build.${key} is not supported: ${refusedBuildKeys[key]}`, {
          onKey: true,
        }),
      )
  if (long.pull === true)
    issues.push(
      pathIssue(
        [...buildAt, "pull"],
        "build.pull: true is not supported: fleetd's builds never pull base images",
        {
          hint: "import or build the base image on the host; remove pull: true",
        },
      ),
    )
  if (long.dockerfile !== undefined && long.dockerfile_inline !== undefined)
    issues.push(
      pathIssue(
        [...buildAt, "dockerfile_inline"],
        "build has both dockerfile and dockerfile_inline; keep one",
        {
          onKey: true,
        },
      ),
    )
  const network = long.network
  if (network !== undefined && network !== "none" && network !== "default")
    issues.push(
      pathIssue(
        [...buildAt, "network"],
        network === "host"
          ? "build.network: host gives the build the host's network and is not under the operator policy; use none or default"
          : `build.network "${network}" is not supported: builds join no fleet network; use none or default`,
      ),
    )
  const shmSize = long.shm_size === undefined ? undefined : parseByteSize(long.shm_size)
  if (long.shm_size !== undefined && shmSize === undefined)
    issues.push(pathIssue([...buildAt, "shm_size"], `"${long.shm_size}" is not a size such as 64m`))

  const located = (path: BuildPath, what: string, kind: FileFact["kind"]) => {
    const where = [...at, ...path.at]
    if (path.relative === undefined) {
      issues.push(pathIssue(where, path.refused ?? `${what} is outside the repository`))
      return undefined
    }
    const fact = ctx.file(path.relative)
    const problem = referenceIssue(fact, { relative: path.relative, what, required: true, at: where }, ctx)
    if (problem !== undefined) {
      issues.push(problem)
      return undefined
    }
    if (fact.kind !== kind) {
      issues.push(
        pathIssue(where, `${what} ${path.relative} is not a ${kind === "file" ? "file" : "directory"}`),
      )
      return undefined
    }
    return fact
  }

  const context = located(paths.context, "build context", "directory")
  const dockerfileFact =
    paths.dockerfile === undefined ? undefined : located(paths.dockerfile, "dockerfile", "file")
  if (context?.kind !== "directory") return { image, files: [], issues }
  const listing = context.context ?? { files: [], sha256: "" }

  let dockerfile = addedDockerfileName
  let content: string | undefined = long.dockerfile_inline
  if (content === undefined) {
    if (dockerfileFact?.kind !== "file") return { image, files: [], issues }
    const inContext = posix.relative(paths.context.relative ?? ".", paths.dockerfile?.relative ?? "")
    // The builder needs the Dockerfile even when .dockerignore excludes it (as the
    // Docker CLI sends it); one outside the context is added under a name of fleetd's.
    if (!inContext.startsWith("../") && listing.files.includes(inContext)) dockerfile = inContext
    else {
      dockerfile = inContext.startsWith("../") ? addedDockerfileName : inContext
      content = new TextDecoder().decode(dockerfileFact.content)
    }
  }
  if (dockerfile === addedDockerfileName && listing.files.includes(addedDockerfileName))
    issues.push(
      pathIssue(buildAt, `the context holds a file named ${addedDockerfileName}, which fleetd reserves`),
    )

  const args: Record<string, string> = {}
  for (const e of long.args ?? []) {
    if (e.value !== undefined) args[e.key] = e.value
    else if (isReservedVariable(e.key))
      issues.push(pathIssue([...buildAt, "args", e.at], reservedVariableMessage(e.key)))
    else {
      // Compose: a bare argument takes the environment's value, and is left out when unset.
      const value = ctx.lookup(e.key)
      if (value !== undefined) args[e.key] = value
    }
  }
  const labels: Record<string, string> = {}
  for (const e of long.labels ?? []) {
    if (e.key.startsWith(LabelPrefix))
      issues.push(
        pathIssue(
          [...buildAt, "labels", e.at],
          `label "${e.key}" uses the reserved prefix "${LabelPrefix}"`,
          {
            onKey: typeof e.at === "string",
            hint: "fleetd sets its own fleetd.* labels; rename yours",
          },
        ),
      )
    labels[e.key] = e.value ?? ""
  }
  const dockerfileSha =
    content !== undefined
      ? sha256Hex(content)
      : dockerfileFact?.kind === "file"
        ? sha256Hex(dockerfileFact.content)
        : ""
  const inputs = {
    context: listing.sha256,
    dockerfile: { name: dockerfile, sha256: dockerfileSha },
    args,
    labels,
    ...(long.target === undefined ? {} : { target: long.target }),
    ...(network === "none" ? { network } : {}),
    ...(shmSize === undefined ? {} : { shmSize }),
  }
  const hash = sha256Hex(canonicalJson(inputs))
  const build: BuildSpec = {
    context: context.realPath,
    files: listing.files,
    dockerfile,
    ...(content === undefined || (dockerfile !== addedDockerfileName && listing.files.includes(dockerfile))
      ? {}
      : { dockerfileContent: content }),
    args,
    ...(long.target === undefined ? {} : { target: long.target }),
    labels,
    ...(long.no_cache === true ? { noCache: true as const } : {}),
    ...(network === "none" ? { network: "none" as const } : {}),
    ...(shmSize === undefined ? {} : { shmSizeBytes: shmSize }),
    hash,
  }
  return { image, build, files: [{ path: `build:${paths.context.relative}`, sha256: hash }], issues }
}

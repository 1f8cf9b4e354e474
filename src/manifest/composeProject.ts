/**
 * The manifest and the files it pulls in with `include` and `extends`, composed into
 * one value as Compose does: each file is parsed and interpolated on its own (an
 * included project with its own `.env`), its relative paths rebased from its own
 * project directory (rebasePaths.ts), its `extends` resolved (applyExtends.ts), then
 * its resources copied into the including file; a resource defined twice is an error
 * naming both positions, and so is an include cycle or a file outside the repository.
 *
 * Pure: files come in through `sources`; a file not read yet is listed in `needs`, and
 * the loader runs this again once it has read them.
 */
import { posix } from "node:path"
import { applyExtends } from "./applyExtends.ts"
import { decodeBytes, isMapping, type Mapping, outsideRepository } from "./composeSupport.ts"
import { interpolateFile, positionIssues } from "./decodeManifest.ts"
import { includeEntries, includeLookup } from "./includeEntries.ts"
import type { Lookup } from "./interpolate.ts"
import { displayFile, formatManifestIssue, type ManifestIssue } from "./ManifestError.ts"
import { type FileFact, isInside } from "./manifestFiles.ts"
import { importModel, mergeModels } from "./mergeModels.ts"
import { rebasePaths } from "./rebasePaths.ts"
import { composedLocated, issueIn, type Origin, type Origins, originKey } from "./sourceMap.ts"
import type { Located, Path } from "./yamlDocument.ts"

/** What the loader found at a path relative to the manifest's directory; undefined: not read yet. */
export type Sources = (relative: string) => FileFact | undefined

export interface ComposeInput {
  /** The manifest as users named it, for messages. */
  readonly file: string
  /** Its path relative to its directory (its base name). */
  readonly name: string
  readonly text: string
  /** Real absolute path of the manifest's directory: relative paths start here. */
  readonly root: string
  /** Real absolute path of the repository root, when known (else `root`): files stay inside it. */
  readonly repository?: string | undefined
  readonly lookup: Lookup
  readonly sources: Sources
}

export interface Composed {
  /** The merged value, or undefined when the manifest itself cannot be parsed. */
  readonly value: Mapping | undefined
  readonly located: Located | undefined
  readonly issues: ReadonlyArray<ManifestIssue>
  /** Paths (as formatPath renders them) whose interpolation failed. */
  readonly failed: ReadonlySet<string>
  readonly warnings: ReadonlyArray<string>
  /** Files not read yet: read them and compose again. */
  readonly needs: ReadonlyArray<string>
  /** Every file looked at (found or not), relative to the manifest's directory. */
  readonly files: ReadonlyArray<string>
}

export const Resources = ["services", "networks", "volumes", "secrets", "configs"] as const
const IncludedTopLevel = new Set(["version", "name", "include", ...Resources])

export interface ParsedFile {
  readonly origin: Origin
  readonly value: Mapping
}

export interface Model {
  readonly value: Mapping
  readonly origins: Origins
  /** The file itself; undefined when it could not be read or parsed. */
  readonly origin?: Origin
}

/** The file-reading half, shared with applyExtends. */
export class Composer {
  readonly issues: Array<ManifestIssue> = []
  readonly warnings: Array<string> = []
  readonly failed = new Set<string>()
  readonly needs = new Set<string>()
  readonly files = new Set<string>()
  readonly input: ComposeInput
  constructor(input: ComposeInput) {
    this.input = input
  }

  issue(origin: Origin, path: Path, message: string, options?: { hint?: string; onKey?: boolean }): void {
    this.issues.push(issueIn(origin, path, message, options))
  }

  /** `file:line:col` of a place, as a user reads it. */
  position(origin: Origin, path: Path): string {
    const at = issueIn(origin, path, "")
    return `${displayFile(this.input.file, at.file)}:${at.line}:${at.column}`
  }

  /** The text of a file the manifest refers to, or undefined (reported, or not read yet). */
  read(relative: string, from: Origin, at: Path, what: string, optional = false): string | undefined {
    if (relative === this.input.name) return this.input.text
    const fact = this.input.sources(relative)
    this.files.add(relative)
    if (fact === undefined) {
      this.needs.add(relative)
      return undefined
    }
    if (fact.kind === "missing") {
      if (!optional)
        this.issue(
          from,
          at,
          `${what} ${relative} does not exist${fact.looked === undefined ? " in the repository" : ` (looked in ${fact.looked.join(" and ")})`}`,
        )
      return undefined
    }
    if (fact.kind === "blocked") {
      if (!optional) this.issue(from, at, `${what} ${relative} does not exist: ${fact.by} is a file`)
      return undefined
    }
    if (fact.kind === "outside" || !isInside(this.input.repository ?? this.input.root, fact.realPath)) {
      this.issue(from, at, `${what} ${relative} resolves to ${fact.realPath}, outside the repository`)
      return undefined
    }
    if (fact.kind === "directory") {
      if (!optional) this.issue(from, at, `${what} ${relative} is a directory, not a file`)
      return undefined
    }
    return decodeBytes(fact.content)
  }

  /** Parses and interpolates one file; `included` checks its top level (the Schema sees only the manifest's). */
  parse(relative: string, text: string, lookup: Lookup, included: boolean): ParsedFile | undefined {
    const file = relative === this.input.name ? undefined : relative
    const parsed = interpolateFile(text, lookup)
    if (!("located" in parsed)) {
      this.issues.push(...parsed.issues.map((i) => (file === undefined ? i : { ...i, file })))
      return undefined
    }
    const origin: Origin = { file, located: parsed.located, at: [] }
    for (const i of positionIssues(parsed.located, parsed.issues)) {
      this.issues.push(file === undefined ? i : { ...i, file })
      this.failed.add(i.path)
    }
    for (const [path, name] of parsed.unset)
      this.warnings.push(
        formatManifestIssue(
          this.input.file,
          issueIn(origin, path, `variable ${name} is not set; substituting an empty string`),
        ),
      )
    const value = parsed.value as Mapping
    if (included)
      for (const key of Object.keys(value)) {
        if (key === "x-fleetd")
          this.warnings.push(
            formatManifestIssue(
              this.input.file,
              issueIn(
                origin,
                [key],
                "x-fleetd of an included file is ignored; set it in the manifest itself",
                {
                  onKey: true,
                },
              ),
            ),
          )
        else if (!IncludedTopLevel.has(key) && !key.startsWith("x-"))
          this.issues.push(
            issueIn(origin, [key], `unknown or unsupported top-level field "${key}"`, { onKey: true }),
          )
      }
    return { origin, value }
  }

  /** One file of a project: its own resources, its extends resolved, its includes imported. */
  loadFile(
    relative: string,
    projectDir: string,
    lookup: Lookup,
    chain: ReadonlyArray<string>,
    from?: Origin,
    at?: Path,
  ): Model {
    const origins: Origins = new Map()
    const text =
      from === undefined || at === undefined
        ? this.input.text
        : this.read(relative, from, at, "included file")
    const parsed = text === undefined ? undefined : this.parse(relative, text, lookup, from !== undefined)
    if (parsed === undefined) return { value: {}, origins }
    const { value, origin } = parsed
    if (from !== undefined) rebasePaths(value, projectDir)
    for (const section of Resources)
      if (isMapping(value[section]))
        for (const name of Object.keys(value[section]))
          origins.set(originKey([section, name]), { ...origin, at: [section, name] })
    applyExtends(this, value, origin, relative, lookup, origins)
    for (const entry of includeEntries(this, value.include, origin)) {
      const paths = entry.paths.map((p) => this.inside(projectDir, p.path, origin, p.at, "included file"))
      if (paths.some((p) => p === undefined)) continue
      const [first, ...overrides] = paths as Array<string>
      if (chain.includes(first!)) {
        this.issue(origin, entry.at, `include cycle: ${[...chain, first].join(" → ")}`)
        continue
      }
      const dir =
        entry.projectDirectory === undefined
          ? posix.dirname(first!)
          : this.inside(
              projectDir,
              entry.projectDirectory.path,
              origin,
              entry.projectDirectory.at,
              "project_directory",
            )
      if (dir === undefined) continue
      const subLookup = includeLookup(this, lookup, dir, projectDir, entry, origin)
      const model = this.loadFile(first!, dir, subLookup, [...chain, first!], origin, entry.paths[0]!.at)
      for (const [i, override] of overrides.entries()) {
        const extra = this.loadFile(
          override,
          dir,
          subLookup,
          [...chain, override],
          origin,
          entry.paths[i + 1]!.at,
        )
        mergeModels(model, extra, (o, path) =>
          this.issue(o, path, "cannot merge: the files use different forms here"),
        )
      }
      importModel(model, { value, origins }, (section, name, here, there) =>
        this.issue(
          here,
          [],
          `${section.slice(0, -1)} "${name}" is also defined at ${this.position(there, [])}`,
          {
            hint: "give one of them another name",
          },
        ),
      )
    }
    delete value.include
    return { value, origins, origin }
  }

  /** A path written in a file, relative to the manifest's directory; undefined (reported) when it leaves the repository. */
  inside(dir: string, path: string, origin: Origin, at: Path, what: string): string | undefined {
    const { repository, root } = this.input
    const base = repository === undefined ? "" : posix.relative(repository, root)
    const problem = outsideRepository(posix.join(base, dir), path)
    if (problem === undefined) return posix.normalize(posix.join(dir, path))
    this.issue(origin, at, `${what} ${path} ${problem}`, {
      hint: "include and extend files inside the repository",
    })
    return undefined
  }
}

/** Composes the manifest with everything it includes and extends. */
export const composeProject = (input: ComposeInput): Composed => {
  const composer = new Composer(input)
  const model = composer.loadFile(input.name, "", input.lookup, [input.name])
  const common = {
    issues: composer.issues,
    failed: composer.failed,
    warnings: composer.warnings,
    needs: [...composer.needs],
    files: [...composer.files],
  }
  if (model.origin === undefined) return { value: undefined, located: undefined, ...common }
  return { value: model.value, located: composedLocated(model.value, model.origin, model.origins), ...common }
}

import { boundedMemo } from "./boundedMemo.ts"

/**
 * Image references, as the Docker distribution grammar defines them, normalized so
 * that the ways Docker and Podman spell one image compare equal:
 * `busybox` = `busybox:latest` = `docker.io/library/busybox:latest`, and Podman's
 * `localhost/app:v1` (its name for an image imported without a registry) = `app:v1`.
 */
const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
const domain =
  "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
const tag = "[\\w][\\w.-]{0,127}"
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
const referencePattern = new RegExp(
  `^((?:${domain}/)?${component}(?:/${component})*)(?::(${tag}))?(?:@(${digest}))?$`,
)

const componentOnly = new RegExp(`^${component}$`)

export interface ImageRef {
  /** Repository with the registry, as written. */
  readonly name: string
  readonly tag?: string
  readonly digest?: string
}

/** Parses a reference; undefined when it is not one (the manifest reports that). */
export const parseImageRef = (ref: string): ImageRef | undefined => {
  if (ref.length > 255) return undefined
  const match = referencePattern.exec(ref)
  if (match === null) return undefined
  const [, name, tagPart, digestPart] = match
  if (name === undefined) return undefined
  // As Docker reads it, the first part names a registry only when it has a dot or a port
  // or is `localhost`; otherwise it is a repository path, which must be lowercase.
  const [first = "", ...rest] = name.split("/")
  const isDomain = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost")
  if (!isDomain && !componentOnly.test(first)) return undefined
  return {
    name,
    ...(tagPart === undefined ? {} : { tag: tagPart }),
    ...(digestPart === undefined ? {} : { digest: digestPart }),
  }
}

const shortName = (name: string): string => {
  for (const prefix of [
    "docker.io/library/",
    "index.docker.io/library/",
    "docker.io/",
    "index.docker.io/",
    "localhost/",
  ]) {
    if (name.startsWith(prefix)) return name.slice(prefix.length)
  }
  return name
}

/**
 * The canonical spelling used to match a desired reference against the engine's
 * image list. Unparseable input is returned as it is (it then matches nothing).
 * Remembered: a pass normalizes every service's image (and every listed image's
 * references), mostly the same few strings, with a regular expression that is not cheap.
 */
export const normalizeImageRef: (ref: string) => string = boundedMemo((ref) => {
  const parsed = parseImageRef(ref)
  if (parsed === undefined) return ref
  const name = shortName(parsed.name)
  if (parsed.digest !== undefined) return `${name}@${parsed.digest}`
  return `${name}:${parsed.tag ?? "latest"}`
}, 10_000)

/** `name@digest` for a tag reference: what runs once a tracked tag's digest is known. */
export const withDigest = (ref: string, digest: string): string =>
  `${parseImageRef(ref)?.name ?? ref}@${digest}`

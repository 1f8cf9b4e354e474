import { parseImageRef } from "./imageRef.ts"

/**
 * The registry part of a name, as Docker reads it: the first component when it has a
 * dot or a port or is `localhost`, else Docker Hub.
 */
export const splitRegistry = (name: string): { readonly registry: string; readonly path: string } => {
  const slash = name.indexOf("/")
  const first = slash < 0 ? "" : name.slice(0, slash)
  if (slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost"))
    return { registry: first, path: name.slice(slash + 1) }
  return { registry: "docker.io", path: name }
}

/**
 * 127.0.0.0/8, ::1 and localhost: the registries Docker talks to over plain HTTP
 * without being told. Every other registry is HTTPS only, so credentials and
 * digests never cross the network in the clear.
 */
export const isLoopbackHost = (hostPort: string): boolean => {
  const host = hostPort.startsWith("[")
    ? hostPort.slice(1, hostPort.indexOf("]"))
    : hostPort.replace(/:\d+$/, "")
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** Whether an image reference names a registry on this host's loopback. */
export const isLoopbackImage = (ref: string): boolean => {
  const parsed = parseImageRef(ref)
  return parsed !== undefined && isLoopbackHost(splitRegistry(parsed.name).registry)
}

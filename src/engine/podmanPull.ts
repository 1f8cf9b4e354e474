import type Docker from "dockerode"

/**
 * Pulls through the libpod API with TLS verification off: how fleetd gives Podman
 * Docker's rule that registries on loopback (127.0.0.0/8, localhost) speak plain
 * HTTP. The compat pull (`/images/create`) ignores `tlsVerify`, and an insecure entry
 * in the host's registries.conf would be a system change fleetd must not need. Only
 * ever called for loopback references, so no traffic leaves the host unencrypted.
 * `raw` is the unversioned client: libpod paths are not under /v1.x.
 */
export const podmanLoopbackPull = (
  raw: Docker,
  ref: string,
  signal: AbortSignal,
): Promise<NodeJS.ReadableStream> =>
  new Promise((resolve, reject) => {
    raw.modem.dial(
      {
        path: "/v4.0.0/libpod/images/pull?",
        method: "POST",
        options: { reference: ref, tlsVerify: false, quiet: true },
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: "bad parameter", 404: "no such image", 500: "server error" },
      },
      (error: unknown, stream: unknown) => (error ? reject(error) : resolve(stream as NodeJS.ReadableStream)),
    )
  })

import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { parseAuthChallenge } from "../../../src/registry/authChallenge.ts"
import { credentialsFromConfig, lookupCredentials } from "../../../src/registry/registryCredentials.ts"
import { registryEndpoint } from "../../../src/registry/registryEndpoint.ts"

const plain = (c: Awaited<ReturnType<typeof lookupCredentials>>) =>
  c === undefined ? undefined : { username: c.username, password: Redacted.value(c.password) }

describe("auth challenges", () => {
  it("reads a Bearer challenge whose scope holds a comma", () => {
    expect(
      parseAuthChallenge(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: {
        realm: "https://auth.example.com/token",
        service: "registry.example.com",
        scope: "repository:a/b:pull,push",
      },
    })
  })

  it("reads Basic, unquoted values, odd spacing and escapes", () => {
    expect(parseAuthChallenge('basic realm="Registry \\"x\\""')).toEqual({
      scheme: "basic",
      params: { realm: 'Registry "x"' },
    })
    expect(parseAuthChallenge("Bearer realm=https://a/token , service=reg")).toEqual({
      scheme: "bearer",
      params: { realm: "https://a/token", service: "reg" },
    })
  })

  it("gives nothing for schemes it cannot answer", () => {
    expect(parseAuthChallenge(undefined)).toBeUndefined()
    expect(parseAuthChallenge('Digest realm="x"')).toBeUndefined()
    expect(parseAuthChallenge("")).toBeUndefined()
  })
})

describe("registry credentials", () => {
  const config = JSON.stringify({
    auths: {
      "https://index.docker.io/v1/": { auth: Buffer.from("hubuser:hub:pass").toString("base64") },
      "127.0.0.1:5000": { username: "local", password: "secret" },
      "ghcr.io": {},
    },
    credsStore: "desktop",
  })

  it("reads auths entries keyed by bare host or URL, in base64 or plain", () => {
    expect(plain(credentialsFromConfig(config, "docker.io"))).toEqual({
      username: "hubuser",
      password: "hub:pass",
    })
    expect(plain(credentialsFromConfig(config, "127.0.0.1:5000"))).toEqual({
      username: "local",
      password: "secret",
    })
    expect(credentialsFromConfig(config, "ghcr.io")).toBeUndefined()
    expect(credentialsFromConfig("{not json", "docker.io")).toBeUndefined()
  })

  it("prefers FLEETD_REGISTRY_* for the registry they name, and only for it", async () => {
    const env = {
      FLEETD_REGISTRY_HOST: "127.0.0.1:5000",
      FLEETD_REGISTRY_USERNAME: "envuser",
      FLEETD_REGISTRY_PASSWORD: "envpass",
      DOCKER_CONFIG: "/cfg",
    }
    const reads: Array<string> = []
    const readText = async (path: string) => {
      reads.push(path)
      return config
    }
    expect(plain(await lookupCredentials("127.0.0.1:5000", { env, readText }))).toEqual({
      username: "envuser",
      password: "envpass",
    })
    expect(plain(await lookupCredentials("docker.io", { env, readText }))).toEqual({
      username: "hubuser",
      password: "hub:pass",
    })
    expect(reads).toEqual(["/cfg/config.json"])
    expect(
      await lookupCredentials("docker.io", { env: { HOME: "/home/x" }, readText: async () => undefined }),
    ).toBe(undefined)
  })

  it("reads the password from FLEETD_REGISTRY_PASSWORD_FILE without its newline", async () => {
    const env = {
      FLEETD_REGISTRY_HOST: "ghcr.io",
      FLEETD_REGISTRY_USERNAME: "bot",
      FLEETD_REGISTRY_PASSWORD_FILE: "/run/pw",
    }
    const readText = async (path: string) => (path === "/run/pw" ? "tok3n\n" : undefined)
    expect(plain(await lookupCredentials("ghcr.io", { env, readText }))).toEqual({
      username: "bot",
      password: "tok3n",
    })
  })

  it("never shows a password when printed", async () => {
    const found = credentialsFromConfig(config, "127.0.0.1:5000")
    expect(JSON.stringify(found)).not.toContain("secret")
    expect(String(found?.password)).not.toContain("secret")
  })
})

describe("registry endpoints", () => {
  it("maps Docker Hub names, and speaks plain HTTP only to loopback", () => {
    expect(registryEndpoint("busybox")).toEqual({
      registry: "docker.io",
      baseUrl: "https://registry-1.docker.io",
      repository: "library/busybox",
      reference: "latest",
    })
    expect(registryEndpoint("ghcr.io/org/app:1.4")).toMatchObject({
      baseUrl: "https://ghcr.io",
      repository: "org/app",
      reference: "1.4",
    })
    expect(registryEndpoint("127.0.0.1:5000/fleetd/app:stable")?.baseUrl).toBe("http://127.0.0.1:5000")
    expect(registryEndpoint("localhost:5000/app")?.baseUrl).toBe("http://localhost:5000")
    expect(registryEndpoint("127.example.com:5000/app")?.baseUrl).toBe("https://127.example.com:5000")
  })
})

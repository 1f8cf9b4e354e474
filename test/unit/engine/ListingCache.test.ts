import { describe, expect, it } from "vitest"
import { eventsTrusted } from "../../../src/engine/followEvents.ts"
import { changesListings, type EngineEvent, makeListingCache } from "../../../src/engine/ListingCache.ts"

const settings = { maxAgeMs: 30_000, maxLagMs: 2_000, settleMs: 2_000 }

/** A cache on a clock the test moves, its stream connected and settled. */
const settled = () => {
  let now = 1_000_000
  const cache = makeListingCache({ now: () => now, ...settings })
  cache.connected()
  now += settings.settleMs
  /** A listing taken now (kept only if the cache trusts it). */
  const kept = () => {
    const ticket = cache.begin()
    cache.store("fleet a", ticket, ["listed"])
  }
  return {
    cache,
    kept,
    advance: (ms: number) => {
      now += ms
    },
    /** An event stamped `lagMs` before now. */
    event: (event: EngineEvent, lagMs = 5) => cache.event({ ...event, timeNano: (now - lagMs) * 1e6 }),
  }
}

/** A container event of fleet a, as Docker and Podman send it: the labels among the attributes. */
const ofFleet = (Action: string): EngineEvent => ({
  Type: "container",
  Action,
  Actor: { Attributes: { "fleetd.fleet": "a", name: "a-web" } },
})

describe("ListingCache", () => {
  it("serves a listing until an event of a fleetd container changes it", () => {
    const t = settled()
    t.kept()
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
    t.event(ofFleet("exec_died"))
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
    for (const action of [
      "die",
      "stop",
      "remove",
      "destroy",
      "create",
      "rename",
      "kill",
      "oom",
      "pause",
      "unpause",
      "update",
      "health_status",
      "health_status: unhealthy",
      "restart",
      "sync",
      "new",
      "",
    ]) {
      t.advance(settings.settleMs)
      t.kept()
      expect(t.cache.lookup("fleet a"), `kept before ${action}`).toEqual(["listed"])
      t.event(ofFleet(action))
      expect(t.cache.lookup("fleet a"), action).toBeUndefined()
    }
  })

  it("takes Docker's exec events, the command appended, as harmless: its healthchecks make three a probe", () => {
    const t = settled()
    t.kept()
    for (const action of [
      "exec_create: /bin/sh -c wget -q -O- http://127.0.0.1/ || exit 1",
      "exec_start: /bin/sh -c wget -q -O- http://127.0.0.1/ || exit 1",
      "exec_die",
      "exec_detach",
      "attach",
      "detach",
      "archive-path",
      "extract-to-dir",
      "top",
      "resize",
    ])
      t.event(ofFleet(action))
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
  })

  it("does not keep a listing that starts within the settling time of a change: the engine may report it before showing it", () => {
    const t = settled()
    t.event(ofFleet("die"))
    t.advance(settings.settleMs - 1)
    t.kept()
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    t.advance(1)
    t.kept()
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
    // fleetd's own change too.
    t.cache.changed()
    t.event({ Type: "volume", Action: "create" })
    t.kept()
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    t.advance(settings.settleMs)
    t.kept()
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
  })

  it("counts network joins and leaves (they carry no labels), not other containers or images", () => {
    expect(
      changesListings({ Type: "network", Action: "connect", Actor: { Attributes: { name: "x" } } }),
    ).toBe(true)
    expect(changesListings({ Type: "network", Action: "disconnect" })).toBe(true)
    expect(changesListings({ Type: "network", Action: "create" })).toBe(false)
    expect(
      changesListings({ Type: "container", Action: "die", Actor: { Attributes: { name: "theirs" } } }),
    ).toBe(false)
    expect(changesListings({ Type: "image", Action: "tag" })).toBe(false)
    expect(changesListings({ Type: "volume", Action: "create" })).toBe(false)
  })

  it("drops everything on a lagging event, whatever it is about", () => {
    const t = settled()
    t.kept()
    t.event({ Type: "image", Action: "pull" }, settings.maxLagMs + 1)
    expect(t.cache.lookup("fleet a")).toBeUndefined()
  })

  it("serves nothing once the stream ended, and keeps nothing until a new one settled", () => {
    const t = settled()
    t.kept()
    t.cache.disconnected()
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    t.kept()
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    t.cache.connected()
    t.kept()
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    t.advance(settings.settleMs)
    t.kept()
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
  })

  it("does not keep a listing that overlapped a change, nor one older than the safety net", () => {
    const t = settled()
    const ticket = t.cache.begin()
    t.cache.changed()
    t.cache.store("fleet a", ticket, ["stale"])
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    // The change's own event (of another container here) shows the stream is live.
    t.event({ Type: "image", Action: "tag" })
    t.advance(settings.settleMs)
    t.kept()
    t.advance(settings.maxAgeMs - 1)
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
    t.advance(1)
    expect(t.cache.lookup("fleet a")).toBeUndefined()
  })

  it("takes a stream that shows nothing after fleetd's own change as stalled", () => {
    const t = settled()
    t.kept()
    // The lease renews its volume: no listing changes, but the stream must show it.
    t.cache.done(t.cache.starting(false), false)
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
    t.advance(settings.maxLagMs)
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
    expect(t.cache.healthy).toBe(true)
    t.advance(1)
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    expect(t.cache.healthy).toBe(false)
    // Any event in time clears the expectation.
    const u = settled()
    u.cache.done(u.cache.starting(false), false)
    u.event({ Type: "volume", Action: "create" })
    u.kept()
    u.advance(settings.maxLagMs + 1)
    expect(u.cache.lookup("fleet a")).toEqual(["listed"])
    expect(u.cache.healthy).toBe(true)
  })

  it("takes an event that arrives before fleetd's call returns as its echo: Docker sends it that soon", () => {
    const t = settled()
    const mark = t.cache.starting(false)
    t.event({ Type: "volume", Action: "create" })
    t.cache.done(mark, false)
    t.kept()
    t.advance(settings.maxLagMs + 1)
    expect(t.cache.healthy).toBe(true)
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
    // A change to containers drops the kept listing when it starts and when it ends.
    const change = t.cache.starting(true)
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    t.event(ofFleet("create"))
    t.advance(settings.settleMs)
    t.kept()
    expect(t.cache.lookup("fleet a")).toEqual(["listed"])
    t.cache.done(change, true)
    expect(t.cache.lookup("fleet a")).toBeUndefined()
    t.advance(settings.maxLagMs + 1)
    expect(t.cache.healthy).toBe(true)
    // One that shows nothing at all is a stalled stream.
    t.cache.done(t.cache.starting(true), true)
    t.advance(settings.maxLagMs + 1)
    expect(t.cache.healthy).toBe(false)
  })

  it("is used only on Docker 20.10 or Podman 4.3, or later, over a local socket", () => {
    const podman = {
      kind: "podman",
      version: "4.3.1",
      apiVersion: "1.41",
      endpoint: "unix:///run/podman.sock",
    } as const
    expect(eventsTrusted(podman)).toBe(true)
    expect(eventsTrusted({ ...podman, version: "5.0.0" })).toBe(true)
    expect(eventsTrusted({ ...podman, version: "4.2.0" })).toBe(false)
    expect(eventsTrusted({ ...podman, endpoint: "tcp://10.0.0.2:2375" })).toBe(false)
    const docker = {
      ...podman,
      kind: "docker",
      version: "20.10.24+dfsg1",
      endpoint: "unix:///var/run/docker.sock",
    } as const
    expect(eventsTrusted(docker)).toBe(true)
    expect(eventsTrusted({ ...docker, version: "28.0.1" })).toBe(true)
    expect(eventsTrusted({ ...docker, version: "20.9.0" })).toBe(false)
    expect(eventsTrusted({ ...docker, version: "19.03.15" })).toBe(false)
    expect(eventsTrusted({ ...docker, version: "unknown" })).toBe(false)
    expect(eventsTrusted({ ...docker, endpoint: "tcp://127.0.0.1:2375" })).toBe(false)
    expect(eventsTrusted({ ...docker, endpoint: "ssh://host" })).toBe(false)
  })
})

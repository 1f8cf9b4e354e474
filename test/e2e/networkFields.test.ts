import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { execIn } from "../support/execIn.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

/** Serves /var/www on port 8080 and exits on TERM, so stops are quick. */
const server = `["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /var/www & wait"]`
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

interface Applied {
  readonly code: number
  readonly stderr: string
  readonly services: ReadonlyArray<{ service: string; outcome: string; reason?: string }>
  readonly resources: ReadonlyArray<{ kind: string; name: string; outcome: string; reason?: string }>
}

/**
 * A /24 per test outside both engines' automatic pools (Docker: 172.17-31.0.0/16 and
 * 192.168.0.0/16; Podman: 10.89.0.0/16 and up), so no other network on the engine holds it.
 */
const subnetOf = (fleet: string, second = 20) => `10.${second}.${Number.parseInt(fleet.slice(-2), 16)}`

interface NetworkInspect {
  readonly Id: string
  readonly Internal: boolean
  readonly Attachable: boolean
  readonly Labels: Record<string, string>
  readonly Options: Record<string, string> | null
  readonly IPAM: { readonly Config: ReadonlyArray<Record<string, unknown>> }
}

for (const engine of testEngines()) {
  describe(`Compose networking fields on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let file = ""
    const apply = async (text: string): Promise<Applied> => {
      writeFileSync(file, `name: ${fleet}\n${text}`)
      const result = await runFleetd(["apply", "--json", "-f", file], { dockerHost: engine.host })
      return { code: result.code ?? -1, stderr: result.stderr, ...JSON.parse(result.stdout) }
    }
    /** Outcome per service; a failure carries its reason, so a failed assertion shows it. */
    const outcomes = (r: Applied) =>
      Object.fromEntries(
        r.services.map((s) => [s.service, s.outcome === "failed" ? `failed: ${s.reason}` : s.outcome]),
      )
    const manifest = (net: string, link: string) =>
      [
        "services:",
        "  web:",
        "    image: fleetd-test/app:v1",
        `    command: ${server}`,
        "    stop_grace_period: 2s",
        "    expose: [3000, '4000-4001/udp']",
        "    dns: [127.0.0.1]",
        "    dns_search: example.internal",
        "    dns_opt: ['ndots:2']",
        "    domainname: example.internal",
        "    tty: true",
        "    stdin_open: true",
        "    logging:",
        "      driver: json-file",
        "      options: {max-size: 1m, max-file: 2}",
        "    annotations: {com.example.note: kept}",
        "    volumes: [data:/data]",
        "    networks:",
        "      back:",
        "        aliases: [site]",
        `        ipv4_address: ${net}.10`,
        "        mac_address: 02:42:ac:1e:00:0a",
        "      isolated:",
        "        priority: -1",
        "    x-fleetd: {update: {min_ready: 1s}}",
        "  client:",
        "    image: fleetd-test/app:v1",
        `    command: ${idle}`,
        "    stop_grace_period: 2s",
        `    links: ['${link}']`,
        "    networks: [back]",
        "    x-fleetd: {update: {min_ready: 1s}}",
        "networks:",
        "  back:",
        "    attachable: true",
        "    labels: {tier: back}",
        "    driver_opts: {com.docker.network.driver.mtu: 1400}",
        "    ipam:",
        "      config:",
        `        - subnet: ${net}.0/24`,
        `          ip_range: ${net}.128/25`,
        `          gateway: ${net}.1`,
        "  isolated:",
        "    internal: true",
        "volumes:",
        "  data:",
        "    labels: {backup: nightly}",
        "",
      ].join("\n")

    beforeEach(() => {
      fleet = uniqueFleet("netf")
      file = join(mkdtempSync(join(tmpdir(), "fleetd-netf-")), "fleet.yaml")
    })
    afterEach(() => cleanupFleet(engine, fleet))

    it("creates containers, networks and volumes with the fields docker compose sends", async () => {
      const net = subnetOf(fleet)
      const link = engine.kind === "docker" ? "web:webalias" : "web"
      const result = await apply(manifest(net, link))
      expect(outcomes(result)).toEqual({ client: "created", web: "created" })
      expect(result.code).toBe(0)
      // Not applied by an API 1.41 engine, and said so.
      expect(result.stderr).toContain("annotations need Engine API 1.43")

      const web = await docker.getContainer(`${fleet}-web`).inspect()
      expect(web.Config.ExposedPorts).toEqual({ "3000/tcp": {}, "4000/udp": {}, "4001/udp": {} })
      expect(web.HostConfig.Dns).toEqual(["127.0.0.1"])
      expect(web.HostConfig.DnsSearch).toEqual(["example.internal"])
      expect(web.HostConfig.DnsOptions).toEqual(["ndots:2"])
      expect(web.Config.Tty).toBe(true)
      expect(web.Config.OpenStdin).toBe(true)
      expect(web.HostConfig.LogConfig!.Type).toBe("json-file")
      const back = web.NetworkSettings.Networks[`${fleet}_back`]!
      expect(back.Aliases).toEqual(expect.arrayContaining(["site", "web"]))
      expect(back.IPAddress).toBe(`${net}.10`)
      expect(back.MacAddress).toBe("02:42:ac:1e:00:0a")
      expect(Object.keys(web.NetworkSettings.Networks).sort()).toEqual([`${fleet}_back`, `${fleet}_isolated`])
      const resolv = await execIn(docker, `${fleet}-web`, ["cat", "/etc/resolv.conf"])
      expect(resolv).toContain("search example.internal")
      expect(resolv).toContain("options ndots:2")
      const domain = await execIn(docker, `${fleet}-web`, ["cat", "/proc/sys/kernel/domainname"])
      if (engine.kind === "docker") {
        // The embedded DNS server stays first and forwards to the `dns` servers.
        expect(resolv).toContain("nameserver 127.0.0.11")
        expect(domain).toContain("example.internal")
        expect(web.Config.Domainname).toBe("example.internal")
        expect(web.HostConfig.LogConfig!.Config).toEqual({ "max-size": "1m", "max-file": "2" })
        expect(back.IPAMConfig).toEqual({ IPv4Address: `${net}.10` })
      } else {
        // Podman 4.3 (limitations.md): `dns` replaces its network's name server, domainname is
        // not applied, and log options and endpoint IPAMConfig are not reported by inspect.
        expect(resolv).toContain("nameserver 127.0.0.1\n")
        expect(resolv).not.toContain(`nameserver ${net}.1`)
        expect(domain).toContain("(none)")
        expect(web.Config.Domainname).toBe("")
        expect(web.HostConfig.LogConfig!.Config).toBeNull()
        expect(back.IPAMConfig).toBeNull()
      }

      const client = await docker.getContainer(`${fleet}-client`).inspect()
      if (engine.kind === "docker") {
        expect(client.NetworkSettings.Networks[`${fleet}_back`]!.Links).toEqual([`${fleet}-web:webalias`])
        expect(
          await execIn(docker, `${fleet}-client`, ["wget", "-q", "-O", "-", "http://webalias:8080/"]),
        ).toContain("fleetd test image v1")
      } else {
        // Podman has no links: `links: [web]` is dropped with a warning; web answers to its name anyway.
        expect(result.stderr).toContain("Podman has no links")
        expect(client.HostConfig.Links).toBeNull()
      }
      expect(
        await execIn(docker, `${fleet}-client`, ["wget", "-q", "-O", "-", "http://site:8080/"]),
      ).toContain("fleetd test image v1")

      const backNet = (await docker.getNetwork(`${fleet}_back`).inspect()) as NetworkInspect
      expect(backNet.Labels["tier"]).toBe("back")
      expect(backNet.IPAM.Config[0]).toMatchObject({ Subnet: `${net}.0/24`, Gateway: `${net}.1` })
      const isolated = (await docker.getNetwork(`${fleet}_isolated`).inspect()) as NetworkInspect
      expect(isolated.Internal).toBe(true)
      if (engine.kind === "docker") {
        expect(backNet.Attachable).toBe(true)
        expect(backNet.IPAM.Config[0]).toMatchObject({ IPRange: `${net}.128/25` })
        expect(backNet.Options).toEqual({ "com.docker.network.driver.mtu": "1400" })
      } else {
        // Podman 4.3 keeps neither attachable nor ip_range (limitations.md).
        expect(backNet.Attachable).toBe(false)
        expect(backNet.IPAM.Config[0]).not.toHaveProperty("IPRange")
      }
      const volume = (await docker.getVolume(`${fleet}_data`).inspect()) as { Labels: Record<string, string> }
      expect(volume.Labels["backup"]).toBe("nightly")

      // Nothing changed: nothing is replaced.
      expect(outcomes(await apply(manifest(net, link)))).toEqual({ client: "unchanged", web: "unchanged" })
    }, 180_000)

    it("recreates a network whose ipam changes and gives the container its new static address", async () => {
      const net = subnetOf(fleet)
      const link = "web"
      expect((await apply(manifest(net, link))).code).toBe(0)
      const before = (await docker.getNetwork(`${fleet}_back`).inspect()) as NetworkInspect
      const moved = subnetOf(fleet, 21)
      const result = await apply(manifest(moved, link))
      expect(result.code).toBe(0)
      expect(result.resources.map((r) => `${r.kind} ${r.name}: ${r.outcome}`)).toContain(
        `network ${fleet}_back: recreated`,
      )
      expect(outcomes(result)).toMatchObject({ web: "replaced" })
      const after = (await docker.getNetwork(`${fleet}_back`).inspect()) as NetworkInspect
      expect(after.Id).not.toBe(before.Id)
      expect(after.IPAM.Config[0]).toMatchObject({ Subnet: `${moved}.0/24` })
      const web = await docker.getContainer(`${fleet}-web`).inspect()
      expect(web.NetworkSettings.Networks[`${fleet}_back`]!.IPAddress).toBe(`${moved}.10`)
      expect(
        await execIn(docker, `${fleet}-client`, ["wget", "-q", "-O", "-", "http://site:8080/"]),
      ).toContain("fleetd test image v1")
    }, 180_000)

    it("gives a container its static address back when its network is recreated", async () => {
      const net = subnetOf(fleet)
      expect((await apply(manifest(net, "web"))).code).toBe(0)
      const before = await docker.getContainer(`${fleet}-web`).inspect()
      const result = await apply(
        manifest(net, "web").replace("labels: {tier: back}", "labels: {tier: front}"),
      )
      expect(result.code).toBe(0)
      expect(result.resources.map((r) => `${r.kind} ${r.name}: ${r.outcome}`)).toContain(
        `network ${fleet}_back: recreated`,
      )
      expect(outcomes(result)).toEqual({ client: "unchanged", web: "unchanged" })
      const web = await docker.getContainer(`${fleet}-web`).inspect()
      expect(web.Id).toBe(before.Id)
      expect(web.NetworkSettings.Networks[`${fleet}_back`]!.IPAddress).toBe(`${net}.10`)
      expect(
        await execIn(docker, `${fleet}-client`, ["wget", "-q", "-O", "-", "http://site:8080/"]),
      ).toContain("fleetd test image v1")
    }, 180_000)

    it("mounts with volume options and reads a raw env_file as docker compose does", async () => {
      const dir = dirname(file)
      mkdirSync(join(dir, "conf"))
      writeFileSync(join(dir, "conf", "app.conf"), "conf v1\n")
      writeFileSync(join(dir, "raw.env"), "QUOTED='kept'\nHASH=a # b\n")
      const result = await apply(
        [
          "services:",
          "  web:",
          "    image: fleetd-test/app:v1",
          `    command: ${idle}`,
          "    stop_grace_period: 2s",
          "    env_file: [{path: raw.env, format: raw}]",
          "    volumes:",
          "      - ./conf:/conf:ro,z",
          "      - {type: bind, source: ./conf, target: /conf2, bind: {propagation: rprivate}}",
          "      - www:/var/www:nocopy",
          "      - {type: volume, source: copied, target: /srv/www, consistency: cached}",
          "    x-fleetd: {update: {min_ready: 1s}}",
          "volumes:",
          "  www: {}",
          "  copied: {}",
          "",
        ].join("\n"),
      )
      expect(outcomes(result)).toEqual({ web: "created" })
      const validated = await runFleetd(["validate", "-f", file], { dockerHost: engine.host })
      expect(validated.stderr).toContain("consistency cached only means something to Docker Desktop")
      const web = await docker.getContainer(`${fleet}-web`).inspect()
      // SELinux labels only travel in the Binds form; these hosts have no SELinux, so nothing is relabelled.
      const conf = realpathSync(join(dir, "conf"))
      if (engine.kind === "docker") expect(web.HostConfig.Binds).toEqual([`${conf}:/conf:ro,z`])
      // Podman 4.3 lists every mount in Binds, in its own words, and shows no `z` without SELinux.
      else expect(web.HostConfig.Binds).toContain(`${conf}:/conf:ro,rprivate,rbind`)
      const byTarget = Object.fromEntries(web.Mounts.map((m) => [m.Destination, m]))
      expect(byTarget["/conf"]?.RW).toBe(false)
      expect(byTarget["/conf2"]?.Propagation).toBe("rprivate")
      expect(await execIn(docker, `${fleet}-web`, ["cat", "/conf/app.conf"])).toContain("conf v1")
      // nocopy: the volume stays empty instead of receiving the image's /var/www.
      expect(await execIn(docker, `${fleet}-web`, ["ls", "/var/www"])).toBe("")
      const env = web.Config.Env ?? []
      expect(env).toContain("QUOTED='kept'")
      expect(env).toContain("HASH=a # b")
    })

    if (engine.kind === "podman")
      it("fails a service whose link gives an alias, naming the fix; the others run", async () => {
        const result = await apply(manifest(subnetOf(fleet), "web:webalias"))
        expect(result.code).toBe(1)
        expect(outcomes(result)).toMatchObject({ web: "created", client: expect.stringMatching(/^failed/) })
        expect(result.services.find((s) => s.service === "client")?.reason).toContain(
          "Podman has no links, so the alias webalias cannot be given",
        )
      })
  })
}

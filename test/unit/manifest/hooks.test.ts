import { describe, expect, it } from "vitest"
import { desired, file, issues, load } from "./support.ts"

const base = (hooks: string, service = "") => `services:
  web:
    image: app:v2
    environment: { MODE: prod }
    networks: [back]${service}
    x-fleetd:
      hooks:
${hooks}
networks:
  back: {}
`

describe("x-fleetd.hooks", () => {
  it("defaults a run step to the service's image, environment and networks, without its aliases", () => {
    const state = desired(
      load(
        base(`        pre_deploy:
          - run: { command: "sh -c 'migrate --all'", environment: [STEP=1], volumes: ["./seed:/seed:ro"], timeout: 2m }
        post_deploy:
          - exec: { command: [warm, cache], user: "1000", timeout: 5s }`),
        { files: { seed: file("x", "/repo/seed") } },
      ),
    )
    const hooks = state.services[0]?.hooks
    const run = hooks?.pre_deploy?.[0]
    if (run?.kind !== "run") throw new Error("expected a run step")
    expect(run.timeoutMs).toBe(120_000)
    expect(run.spec.image).toBe("app:v2")
    expect(run.spec.command).toEqual(["sh", "-c", "migrate --all"])
    expect(run.spec.env).toEqual(["MODE=prod", "STEP=1"])
    expect(run.spec.networks).toEqual([{ name: "demo_back", aliases: [] }])
    expect(run.spec.mounts).toEqual([{ type: "bind", source: "/repo/seed", target: "/seed", readOnly: true }])
    expect(run.spec.ports).toEqual([])
    expect(hooks?.post_deploy).toEqual([
      { kind: "exec", command: ["warm", "cache"], user: "1000", timeoutMs: 5000 },
    ])
  })

  it("are not part of the config hash: editing a hook replaces nothing", () => {
    const a = desired(load(base(`        post_deploy: [{ exec: { command: [a] } }]`)))
    const b = desired(load(base(`        post_deploy: [{ exec: { command: [b] } }]`)))
    expect(a.services[0]?.configHash).toBe(b.services[0]?.configHash)
    expect(a.services[0]?.hooks?.post_deploy?.[0]).toMatchObject({ timeoutMs: 60_000 })
  })

  it("reports bad steps where they are written", () => {
    expect(
      issues(
        load(
          base(`        pre_deploy:
          - { run: { command: [a] }, exec: { command: [b] } }
          - {}
          - exec: { command: "unterminated 'quote" }
          - exec: { command: [] }
          - run: { command: x, volumes: ["../outside:/x"], timeout: 0s }
        on_failure:
          - run: { command: x, image: NOPE }
        later: []`),
        ),
      ),
    ).toEqual([
      "fleet.yaml:9:13: services.web.x-fleetd.hooks.pre_deploy[0]: a hook step has exactly one of run or exec",
      "fleet.yaml:10:13: services.web.x-fleetd.hooks.pre_deploy[1]: a hook step has exactly one of run or exec",
      'fleet.yaml:15:39: services.web.x-fleetd.hooks.on_failure[0].run.image: "NOPE" is not a valid image reference (expected name[:tag][@digest], lowercase)',
      "fleet.yaml:16:9: services.web.x-fleetd.hooks.later: x-fleetd.hooks.later is not supported yet",
    ])
  })

  it("reports commands, timeouts and volumes that cannot work, where they are written", () => {
    expect(
      issues(
        load(
          base(`        pre_deploy:
          - exec: { command: "unterminated 'quote" }
          - exec: { command: [] }
          - run: { command: x, volumes: ["../outside:/x", "./missing:/m"], timeout: 0s }`),
        ),
      ),
    ).toEqual([
      "fleet.yaml:9:30: services.web.x-fleetd.hooks.pre_deploy[0].exec.command: cannot split command: unterminated single quote",
      "fleet.yaml:10:30: services.web.x-fleetd.hooks.pre_deploy[1].exec.command: a hook command must not be empty",
      "fleet.yaml:11:42: services.web.x-fleetd.hooks.pre_deploy[2].run.volumes[0]: bind mount source ../outside escapes the repository (use a path inside the directory of fleet.yaml)",
      "fleet.yaml:11:59: services.web.x-fleetd.hooks.pre_deploy[2].run.volumes[1]: bind mount source missing does not exist in the repository",
      "fleet.yaml:11:85: services.web.x-fleetd.hooks.pre_deploy[2].run.timeout: a hook timeout must be longer than 0s",
    ])
  })
})

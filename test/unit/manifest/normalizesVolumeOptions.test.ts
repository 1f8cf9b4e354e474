// biome-ignore-all lint/suspicious/noTemplateCurlyInString: a raw env file keeps ${VAR} literally, the subject under test
import { describe, expect, it } from "vitest"
import type { Mount } from "../../../src/domain/ContainerSpec.ts"
import { parseRawEnvFile } from "../../../src/manifest/compose/rawEnvFile.ts"
import { desired, file, issues, load } from "./support.ts"

const files = { conf: { kind: "directory" as const, realPath: "/repo/conf" } }
const manifest = (yaml: string) =>
  load(`services:\n  web:\n    image: busybox:1.36\n    volumes:\n${yaml}volumes:\n  data: {}\n`, { files })
const mounts = (yaml: string): ReadonlyArray<Mount> => desired(manifest(yaml)).services[0]!.spec.mounts

describe("service volume options", () => {
  // (volumes entries, the mount they must give)
  const table: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
    [
      "short: ro and a private SELinux label",
      "      - ./conf:/conf:ro,Z\n",
      { target: "/conf", readOnly: true, selinux: "Z" },
    ],
    [
      "short: z and rshared on a bind",
      "      - ./conf:/conf:z,rshared\n",
      { selinux: "z", propagation: "rshared", readOnly: false },
    ],
    ["short: nocopy on a volume", "      - data:/data:nocopy\n", { type: "volume", noCopy: true }],
    // The MODE is not the long syntax's bind block: a label on a named volume is fine.
    ["short: an SELinux label on a volume", "      - data:/data:Z\n", { type: "volume", selinux: "Z" }],
    [
      "long: bind.propagation and bind.selinux",
      "      - {type: bind, source: ./conf, target: /conf, bind: {propagation: rslave, selinux: z}}\n",
      { propagation: "rslave", selinux: "z" },
    ],
    [
      "long: volume.nocopy and volume.subpath",
      "      - {type: volume, source: data, target: /data, volume: {nocopy: true, subpath: app}}\n",
      { noCopy: true, subpath: "app" },
    ],
  ]
  it.each(table)("%s", (_name, yaml, expected) => {
    expect(mounts(yaml)[0]).toMatchObject(expected)
  })

  it("adds nothing to a mount without options, so its spec hashes as before", () => {
    expect(mounts("      - ./conf:/conf:ro\n      - data:/data\n")).toEqual([
      { type: "bind", source: "/repo/conf", target: "/conf", readOnly: true },
      { type: "volume", source: "demo_data", target: "/data", readOnly: false },
    ])
  })

  it("accepts consistency with a warning, as docker compose ignores it on Linux", () => {
    const result = manifest("      - {type: volume, source: data, target: /data, consistency: cached}\n")
    expect(result._tag).toBe("ok")
    if (result._tag === "ok")
      expect(result.warnings.join("\n")).toContain("consistency cached only means something")
    expect(manifest("      - ./conf:/conf:cached\n")._tag).toBe("ok")
  })

  it.each([
    ["nocopy on a bind mount", "      - ./conf:/conf:nocopy\n", "nocopy applies to volumes"],
    ["propagation on a volume", "      - data:/data:rshared\n", "propagation rshared applies to bind mounts"],
    ["an unknown mode", "      - ./conf:/conf:rw,exec\n", 'mode "exec" is not supported'],
    [
      "bind options on a volume",
      "      - {type: volume, source: data, target: /data, bind: {propagation: shared}}\n",
      "bind options apply to type: bind",
    ],
  ])("refuses %s with its position", (_name, yaml, message) => {
    const lines = issues(manifest(yaml))
    expect(lines.some((l) => /^fleet\.yaml:\d+:\d+/.test(l) && l.includes(message))).toBe(true)
  })
})

describe("env_file format: raw", () => {
  it("takes values literally, as docker run --env-file does", () => {
    const parsed = parseRawEnvFile(
      "\uFEFF# comment\nA='quoted'\nB=x # not a comment\n  C=${NOT_INTERPOLATED}\nFROM_HOST\nMISSING\n\n",
      (k) => (k === "FROM_HOST" ? "h" : undefined),
    )
    expect(parsed.entries).toEqual([
      { key: "A", value: "'quoted'" },
      { key: "B", value: "x # not a comment" },
      { key: "C", value: "${NOT_INTERPOLATED}" },
      { key: "FROM_HOST", value: "h" },
    ])
    expect(parseRawEnvFile("BAD KEY=1\n", () => undefined).errors).toEqual([
      { line: 1, message: 'variable "BAD KEY" contains whitespace' },
    ])
  })

  it("is chosen per env_file entry with format: raw", () => {
    const envFiles = {
      "raw.env": file("A='kept quotes'\n", "/repo/raw.env"),
      "dot.env": file("B='stripped'\n", "/repo/dot.env"),
    }
    const state = desired(
      load(
        "services:\n  web:\n    image: busybox\n    env_file:\n      - {path: raw.env, format: raw}\n      - dot.env\n",
        { files: envFiles },
      ),
    )
    expect(state.services[0]!.spec.env).toEqual(["A='kept quotes'", "B=stripped"])
  })
})

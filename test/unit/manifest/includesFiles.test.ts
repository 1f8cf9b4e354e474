// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is the subject under test
import { describe, expect, it } from "vitest"
import type { FileFact } from "../../../src/manifest/manifestFiles.ts"
import { desired, file, issues, load } from "./support.ts"

const dir = (realPath: string): FileFact => ({ kind: "directory", realPath })
const at = (files: Record<string, string>): Record<string, FileFact> =>
  Object.fromEntries(Object.entries(files).map(([path, text]) => [path, file(text, `/repo/${path}`)]))

const service = (result: ReturnType<typeof load>, name: string) => {
  const found = desired(result).services.find((s) => s.name === name)
  if (found === undefined) throw new Error(`no service ${name}`)
  return found
}

describe("include", () => {
  it("takes an included file's services, with its relative env_file and bind paths resolved from its own directory", () => {
    const result = load("include:\n  - app/compose.yml\nservices:\n  web:\n    image: busybox\n", {
      files: {
        ...at({
          "app/compose.yml":
            "services:\n  app:\n    image: busybox\n    env_file: app.env\n    volumes: [./data:/data, ./conf/x.conf:/etc/x.conf:ro, {type: bind, source: conf, target: /conf}]\n",
          "app/app.env": "FROM=app\n",
          "app/conf/x.conf": "x\n",
        }),
        "app/data": dir("/repo/app/data"),
        "app/conf": dir("/repo/app/conf"),
      },
    })
    expect(desired(result).services.map((s) => s.name)).toEqual(["app", "web"])
    expect(service(result, "app").spec).toMatchObject({
      env: ["FROM=app"],
      mounts: [
        { type: "bind", source: "/repo/app/conf", target: "/conf" },
        { type: "bind", source: "/repo/app/data", target: "/data" },
        { type: "bind", source: "/repo/app/conf/x.conf", target: "/etc/x.conf", readOnly: true },
      ],
    })
  })

  it("interpolates an included file with its own .env, the including project's variables winning", () => {
    const result = load("include: [app/compose.yml]\n", {
      environment: { WIN: "env" },
      dotEnv: "ROOT=root\n",
      files: at({
        "app/compose.yml":
          "services:\n  app:\n    image: busybox:${TAG}\n    environment:\n      - R=${ROOT}\n      - W=${WIN}\n      - L=${LOCAL}\n",
        "app/.env": "TAG=1.36\nWIN=dotenv\nLOCAL=${TAG}-local\nROOT=ignored\n",
      }),
    })
    expect(service(result, "app").spec).toMatchObject({
      image: "busybox:1.36",
      env: ["L=1.36-local", "R=root", "W=env"],
    })
  })

  it("reads the long form: a path list merged in order, project_directory for relative paths, env_file for variables", () => {
    const result = load(
      "include:\n  - path: [svc/compose.yml, svc/override.yml]\n    project_directory: svc/project\n    env_file: [vars.env]\n",
      {
        files: {
          ...at({
            "svc/compose.yml":
              "services:\n  api:\n    image: busybox:${TAG}\n    command: [sleep, '1']\n    environment: {A: base, B: base}\n    volumes: [./state:/state]\n",
            "svc/override.yml": "services:\n  api:\n    command: [sleep, '2']\n    environment: {B: over}\n",
            "vars.env": "TAG=2\n",
          }),
          "svc/project/state": dir("/repo/svc/project/state"),
        },
      },
    )
    expect(service(result, "api").spec).toMatchObject({
      image: "busybox:2",
      command: ["sleep", "2"],
      env: ["A=base", "B=over"],
      mounts: [{ type: "bind", source: "/repo/svc/project/state", target: "/state" }],
    })
  })

  it("follows nested includes, each relative to the file that includes it", () => {
    const result = load("include: [a/compose.yml]\n", {
      files: at({
        "a/compose.yml":
          "include: [../b/compose.yml]\nservices:\n  a:\n    image: busybox\n    depends_on: [b]\n",
        "b/compose.yml": "services:\n  b:\n    image: busybox\n    env_file: b.env\n",
        "b/b.env": "B=1\n",
      }),
    })
    expect(service(result, "b").spec.env).toEqual(["B=1"])
    expect(service(result, "a").dependsOn.map((d) => d.service)).toEqual(["b"])
  })

  it("refuses an include cycle at the include that closes it", () => {
    expect(
      issues(
        load("include: [a/compose.yml]\n", {
          files: at({
            "a/compose.yml": "include: [../b/compose.yml]\nservices:\n  a:\n    image: busybox\n",
            "b/compose.yml": "include:\n  - ../a/compose.yml\nservices:\n  b:\n    image: busybox\n",
          }),
        }),
      ),
    ).toEqual([
      "b/compose.yml:2:5: include[0]: include cycle: fleet.yaml → a/compose.yml → b/compose.yml → a/compose.yml",
    ])
  })

  it("refuses a resource defined in two files, naming both positions", () => {
    expect(
      issues(
        load("include: [app/compose.yml]\nservices:\n  web:\n    image: busybox\nvolumes:\n  data: {}\n", {
          files: at({
            "app/compose.yml":
              "services:\n  other:\n    image: busybox\n  web:\n    image: busybox\nvolumes:\n  data:\n",
          }),
        }),
      ),
    ).toEqual([
      'app/compose.yml:5:5: services.web: service "web" is also defined at fleet.yaml:4:5 (give one of them another name)',
      'app/compose.yml:7:8: volumes.data: volume "data" is also defined at fleet.yaml:6:9 (give one of them another name)',
    ])
  })

  it("refuses included files outside the repository, missing ones, and malformed entries", () => {
    expect(
      issues(
        load(
          "include:\n  - ../elsewhere/compose.yml\n  - /etc/compose.yml\n  - gone.yml\n  - {path: [], bogus: 1}\n  - 42\n",
          { files: {} },
        ),
      ),
    ).toEqual([
      "fleet.yaml:2:5: include[0]: included file ../elsewhere/compose.yml escapes the repository (include and extend files inside the repository)",
      "fleet.yaml:3:5: include[1]: included file /etc/compose.yml is outside the repository (include and extend files inside the repository)",
      "fleet.yaml:4:5: include[2]: included file gone.yml does not exist in the repository",
      "fleet.yaml:5:12: include[3].path: include path must be a path or a non-empty list of paths (write include entries as a path, or as {path, project_directory, env_file})",
      'fleet.yaml:5:16: include[3].bogus: unknown include field "bogus" (write include entries as a path, or as {path, project_directory, env_file})',
      "fleet.yaml:6:5: include[4]: an include entry must be a path or a mapping (write include entries as a path, or as {path, project_directory, env_file})",
    ])
  })

  it("refuses an included file that is a symlink out of the repository", () => {
    expect(
      issues(
        load("include: [link.yml]\n", { files: { "link.yml": file("services: {}\n", "/etc/compose.yml") } }),
      ),
    ).toEqual([
      "fleet.yaml:1:11: include[0]: included file link.yml resolves to /etc/compose.yml, outside the repository",
    ])
  })

  it("points issues inside an included file at that file, by line and column", () => {
    expect(
      issues(
        load("include: [app/compose.yml]\nservices:\n  web:\n    image: busybox\n", {
          files: at({
            "app/compose.yml": "services:\n  app:\n    image: busybox\n    bogus: 1\nnope: 1\n",
          }),
        }),
      ),
    ).toEqual([
      'app/compose.yml:4:5: services.app.bogus: unknown or unsupported service field "bogus" (fleetd accepts a subset of Compose (see schemas/fleet.schema.json); put extensions under x-*)',
      'app/compose.yml:5:1: nope: unknown or unsupported top-level field "nope"',
    ])
  })

  it("keeps an included file's relative paths inside the repository", () => {
    expect(
      issues(
        load("include: [app/compose.yml]\n", {
          files: at({
            "app/compose.yml":
              "services:\n  app:\n    image: busybox\n    env_file: [../../x.env]\n    volumes: [../../up:/up]\n",
          }),
        }),
      ),
    ).toEqual([
      "app/compose.yml:4:16: services.app.env_file[0]: env_file ../x.env escapes the repository (use a path inside the directory of fleet.yaml)",
      "app/compose.yml:5:15: services.app.volumes[0]: bind mount source ../up escapes the repository (use a path inside the directory of fleet.yaml)",
    ])
  })

  it("quotes a volume entry it refuses as the included file writes it, not rebased", () => {
    expect(
      issues(
        load("include: [app/compose.yml]\n", {
          files: at({
            "app/compose.yml": "services:\n  app:\n    image: busybox\n    volumes: ['./data:/data:ro:x']\n",
          }),
        }),
      ),
    ).toEqual([
      'app/compose.yml:4:15: services.app.volumes[0]: "./data:/data:ro:x" has too many parts; expected SOURCE:TARGET[:ro]',
    ])
  })
})

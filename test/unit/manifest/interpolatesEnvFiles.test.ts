// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is the subject under test
import { describe, expect, it } from "vitest"
import { desired, file, issues, load } from "./support.ts"

const web = "services:\n  web:\n    image: busybox\n"

describe("variables inside .env and env_file values, as Compose v2 interpolates them", () => {
  it("interpolates .env values from the environment and from keys above them, before the manifest uses them", () => {
    const result = load(
      `${web}    environment:\n      DATA: \${DATA}\n      LOG: \${LOG}\n      LIT: \${LIT}\n      Q: \${Q}\n`,
      {
        environment: { HOME_DIR: "/home/x" },
        dotEnv:
          "BASE=${ROOT:-/srv}\nDATA=${BASE}/app\nLOG=\"$HOME_DIR/log\"\nLIT='${BASE} stays'\nQ=$${BASE}\n",
      },
    )
    expect(desired(result).services[0]!.spec.env).toEqual([
      "DATA=/srv/app",
      "LIT=${BASE} stays",
      "LOG=/home/x/log",
      "Q=${BASE}",
    ])
    expect(result.warnings).toEqual([])
  })

  it("lets the environment win inside .env too, and warns about an unset variable with its .env line", () => {
    const result = load(`${web}    environment:\n      DATA: \${DATA}\n`, {
      environment: { BASE: "/env" },
      dotEnv: "BASE=/dotenv\nDATA=${BASE}/app${NOPE}\n",
    })
    expect(desired(result).services[0]!.spec.env).toEqual(["DATA=/env/app"])
    expect(result.warnings).toEqual([".env:2:1: variable NOPE is not set; substituting an empty string"])
  })

  it("reports a required variable missing in .env at its line, and refuses FLEETD_* there too", () => {
    expect(issues(load(web, { dotEnv: "A=1\nB=${MUST:?set MUST}\nC=$FLEETD_TOKEN\n" }))).toEqual([
      ".env:2:1: B: required variable MUST is not set: set MUST",
      ".env:3:1: C: FLEETD_TOKEN is reserved for fleetd's own settings (it may hold secrets) and cannot be referenced from the manifest",
    ])
  })

  it("interpolates env_file values from the project's variables, the service's environment and earlier lines and files", () => {
    const result = load(
      `${web}    env_file: [a.env, {path: b.env, required: true}]\n    environment: {SVC: s}\n`,
      {
        environment: { HOST: "h" },
        dotEnv: "PROJECT=p\n",
        files: {
          "a.env": file("A=${PROJECT}-${HOST}\nA2=${A}+${SVC}\nLIT='${A}'\n", "/repo/a.env"),
          "b.env": file('B="${A2}/${MISSING:-dflt}"\nC=${GONE}\n', "/repo/b.env"),
        },
      },
    )
    expect(desired(result).services[0]!.spec.env).toEqual([
      "A=p-h",
      "A2=p-h+s",
      "B=p-h+s/dflt",
      "C=",
      "LIT=${A}",
      "SVC=s",
    ])
    expect(result.warnings).toEqual([
      "fleet.yaml:4:30: services.web.env_file[1].path: b.env:2: variable GONE is not set; substituting an empty string",
    ])
  })

  it("reports a failed interpolation inside an env_file at its reference, naming the file's line", () => {
    expect(
      issues(
        load(`${web}    env_file: app.env\n`, {
          files: { "app.env": file("OK=1\nBAD=${X:?needed}\n", "/repo/app.env") },
        }),
      ),
    ).toEqual([
      "fleet.yaml:4:15: services.web.env_file: app.env:2: BAD: required variable X is not set: needed",
    ])
  })
})

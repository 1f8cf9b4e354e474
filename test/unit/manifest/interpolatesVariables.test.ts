// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is the subject under test
import { describe, expect, it } from "vitest"
import { interpolate } from "../../../src/manifest/interpolate.ts"

const env: Record<string, string> = { SET: "value", EMPTY: "", B: "bee" }
const lookup = (name: string) => env[name]

describe("interpolate", () => {
  it.each([
    ["plain text", "plain text", []],
    ["$SET/${SET}", "value/value", []],
    ["${UNSET}", "", ["UNSET"]],
    ["$UNSET-x", "-x", ["UNSET"]],
    ["${UNSET:-dflt}", "dflt", []],
    ["${EMPTY:-dflt}", "dflt", []],
    ["${EMPTY-dflt}", "", []],
    ["${UNSET-dflt}", "dflt", []],
    ["${SET:+alt}", "alt", []],
    ["${EMPTY:+alt}", "", []],
    ["${EMPTY+alt}", "alt", []],
    ["${UNSET+alt}", "", []],
    ["${UNSET:-${B}}", "bee", []],
    ["${UNSET:-${ALSO_UNSET:-deep}}", "deep", []],
    ["$$SET and $${SET}", "$SET and ${SET}", []],
    ["cost: 5$", "cost: 5$", []],
    ["${SET:?never shown}", "value", []],
  ])("%s → %s", (text, value, unset) => {
    expect(interpolate(text, lookup)).toEqual({ _tag: "ok", value, unset })
  })

  it.each([
    ["${UNSET:?set it}", "required variable UNSET is not set: set it"],
    ["${EMPTY:?set it}", "required variable EMPTY is empty: set it"],
    ["${UNSET?}", "required variable UNSET is not set"],
    ["${UNSET:?needs ${B}}", "required variable UNSET is not set: needs bee"],
    ["${SET", 'invalid interpolation format: unclosed "${" in "${SET"'],
    ["${1BAD}", 'invalid interpolation format: "${1BAD}"'],
    ["${SET!x}", 'invalid interpolation format: "${SET!x}"'],
    [
      "${FLEETD_SECRET:-x}",
      "FLEETD_SECRET is reserved for fleetd's own settings (it may hold secrets) and cannot be referenced from the manifest",
    ],
    [
      "$FLEETD_SECRET",
      "FLEETD_SECRET is reserved for fleetd's own settings (it may hold secrets) and cannot be referenced from the manifest",
    ],
  ])("%s is an error", (text, message) => {
    expect(interpolate(text, lookup)).toEqual({ _tag: "error", message })
  })
})

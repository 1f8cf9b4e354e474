/**
 * The canary scan of test/e2e/canary.test.ts: distinct random secret values, and a
 * search of a text for each of them in every trivial disguise (raw, base64 at each of
 * its three alignments, URL-encoding, hex, and the hex SHA-256 a careless hash would
 * show), so a leak is found whether a surface prints the value, encodes it or hashes it.
 */
import { createHash, randomBytes } from "node:crypto"

/** A value no surface could contain by chance: letters and digits only, so it survives env files, URLs and headers. */
export const makeCanary = (kind: string): string => `cnry${kind}${randomBytes(9).toString("hex")}`

/**
 * base64 of `value` as it appears inside the base64 of a longer text: the characters
 * fully determined by `value` alone, for each of the three byte offsets it may start at.
 */
const base64Forms = (value: string): ReadonlyArray<string> => {
  const bytes = Buffer.from(value, "utf8")
  return [0, 1, 2].map((pad) => {
    const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString("base64")
    // Drop the characters that mix padding bytes or the text's next bytes in.
    const start = Math.ceil((pad * 4) / 3)
    const end = Math.floor(((pad + bytes.length) * 4) / 3)
    return encoded.slice(start, end)
  })
}

/** Every distinct form of `value` the scan looks for, named for the failure message. */
export const canaryForms = (value: string): ReadonlyArray<readonly [string, string]> =>
  dedupe([
    ["raw", value],
    ...base64Forms(value).map((f, i) => [`base64@${i}`, f] as const),
    ...base64Forms(value).map(
      (f, i) => [`base64url@${i}`, f.replaceAll("+", "-").replaceAll("/", "_")] as const,
    ),
    ["url-encoded", encodeURIComponent(value)],
    ["hex", Buffer.from(value, "utf8").toString("hex")],
    ["sha256", createHash("sha256").update(value).digest("hex")],
  ])

/** The first name of each form: URL-encoding letters and digits changes nothing, for instance. */
const dedupe = (forms: ReadonlyArray<readonly [string, string]>) =>
  forms.filter(([, form], i) => forms.findIndex(([, other]) => other === form) === i)

export interface Finding {
  readonly surface: string
  readonly canary: string
  readonly form: string
  readonly context: string
}

/** Each canary (by name) found in `text`, in any form, with a little context around it. */
export const findCanaries = (
  surface: string,
  text: string,
  canaries: Readonly<Record<string, string>>,
): ReadonlyArray<Finding> => {
  const findings: Array<Finding> = []
  const lower = text.toLowerCase()
  for (const [name, value] of Object.entries(canaries))
    for (const [form, needle] of canaryForms(value)) {
      // Hex is found in either case; the other forms are case-sensitive.
      const at = form === "hex" || form === "sha256" ? lower.indexOf(needle) : text.indexOf(needle)
      if (at >= 0)
        findings.push({ surface, canary: name, form, context: text.slice(Math.max(0, at - 60), at + 60) })
    }
  return findings
}

/**
 * Compose variable interpolation for one scalar: `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`,
 * `$$` for a literal `$`, and nested expressions inside the default/alt/message.
 *
 * Variables named `FLEETD_*` are fleetd's own settings (webhook secrets, tokens): a
 * manifest from the repository must never be able to read them back into a container,
 * so any reference to one is an error, even with a default.
 */
import { isReservedVariable, reservedVariableMessage } from "./reservedVariables.ts"

export type Lookup = (name: string) => string | undefined

export type Interpolated =
  | { readonly _tag: "ok"; readonly value: string; readonly unset: ReadonlyArray<string> }
  | { readonly _tag: "error"; readonly message: string }

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*/

class InterpolationError {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

/** Index of the `}` closing the `${` whose body starts at `from`, honouring nesting. */
const closingBrace = (text: string, from: number): number => {
  let depth = 1
  for (let i = from; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "$") i++
    else if (text[i] === "$" && text[i + 1] === "{") {
      depth++
      i++
    } else if (text[i] === "}" && --depth === 0) return i
  }
  return -1
}

const resolve = (name: string, lookup: Lookup): string | undefined => {
  if (isReservedVariable(name)) throw new InterpolationError(reservedVariableMessage(name))
  return lookup(name)
}

const substitute = (text: string, lookup: Lookup, unset: Array<string>): string => {
  let out = ""
  let i = 0
  while (i < text.length) {
    const dollar = text.indexOf("$", i)
    if (dollar < 0) return out + text.slice(i)
    out += text.slice(i, dollar)
    const next = text[dollar + 1]
    if (next === "$") {
      out += "$"
      i = dollar + 2
    } else if (next === "{") {
      const end = closingBrace(text, dollar + 2)
      if (end < 0) throw new InterpolationError(`invalid interpolation format: unclosed "\${" in "${text}"`)
      out += braced(text.slice(dollar + 2, end), lookup, unset)
      i = end + 1
    } else {
      const name = namePattern.exec(text.slice(dollar + 1))?.[0]
      if (name === undefined) {
        // A lone "$" (e.g. "cost: 5$") is left as it is, as Compose does.
        out += "$"
        i = dollar + 1
      } else {
        const value = resolve(name, lookup)
        if (value === undefined) unset.push(name)
        out += value ?? ""
        i = dollar + 1 + name.length
      }
    }
  }
  return out
}

const braced = (body: string, lookup: Lookup, unset: Array<string>): string => {
  const name = namePattern.exec(body)?.[0]
  if (name === undefined) throw new InterpolationError(`invalid interpolation format: "\${${body}}"`)
  const rest = body.slice(name.length)
  const value = resolve(name, lookup)
  if (rest === "") {
    if (value === undefined) unset.push(name)
    return value ?? ""
  }
  const op = /^(:?[-?+])/.exec(rest)?.[1]
  if (op === undefined) throw new InterpolationError(`invalid interpolation format: "\${${body}}"`)
  const word = rest.slice(op.length)
  const isSet = op.startsWith(":") ? value !== undefined && value !== "" : value !== undefined
  switch (op.slice(-1)) {
    case "-":
      return isSet ? (value ?? "") : substitute(word, lookup, unset)
    case "+":
      return isSet ? substitute(word, lookup, unset) : ""
    default: {
      if (isSet) return value ?? ""
      const message = substitute(word, lookup, unset)
      throw new InterpolationError(
        `required variable ${name} is ${value === undefined ? "not set" : "empty"}${message === "" ? "" : `: ${message}`}`,
      )
    }
  }
}

export const interpolate = (text: string, lookup: Lookup): Interpolated => {
  const unset: Array<string> = []
  try {
    return { _tag: "ok", value: substitute(text, lookup, unset), unset }
  } catch (e) {
    if (e instanceof InterpolationError) return { _tag: "error", message: e.message }
    throw e
  }
}

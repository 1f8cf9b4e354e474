import { Option, Schema } from "effect"

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * Decodes an authenticated body as JSON and then with `schema`. Only ever called
 * after the signature or token has been checked. Invalid UTF-8, invalid JSON and
 * JSON of the wrong shape all come back as a reason (a 400), never as an exception.
 * `json` is the parsed body as it came, for the lenient reads that a schema would
 * strip (the repository a payload names, `repositoryNames`), without parsing twice.
 */
export const decodeJsonBody = <S extends Schema.ConstraintDecoder<unknown>>(
  schema: S,
  body: Uint8Array,
  what: string,
):
  | { readonly _tag: "Ok"; readonly value: S["Type"]; readonly json: unknown }
  | { readonly _tag: "Invalid"; readonly reason: string } => {
  let json: unknown
  try {
    json = JSON.parse(utf8.decode(body))
  } catch {
    return { _tag: "Invalid", reason: "body is not valid JSON" }
  }
  const decoded = Schema.decodeUnknownOption(schema)(json)
  return Option.isSome(decoded)
    ? { _tag: "Ok", value: decoded.value, json }
    : { _tag: "Invalid", reason: `body is not a ${what} payload` }
}

/**
 * `KEY: value` mappings and `KEY=VALUE` lists (`environment`, `labels`, build `args`,
 * `annotations`, ...) decode to entries (compose/keyValues.ts, the one parser) that
 * remember where each was written, so no later stage splits a string at `=` again.
 */
import { Schema } from "effect"
import { keyValueEntries } from "../compose/keyValues.ts"
import { parsedForm } from "./parsedForm.ts"

export const KeyValueEntry = Schema.Struct({
  key: Schema.String,
  /** Unset for a bare `KEY` (or `KEY:` with no value): Compose looks it up or leaves it out. */
  value: Schema.UndefinedOr(Schema.String),
  /** Where it was written inside its field: the mapping's key, or the list index. */
  at: Schema.Union([Schema.Int, Schema.String]),
})

/** `written` (a mapping or a list of strings) read into entries; encodes back as a list. */
export const keyValues = <S extends Schema.Constraint>(written: S) =>
  parsedForm(
    written,
    Schema.Array(KeyValueEntry),
    (value) => keyValueEntries(value as Parameters<typeof keyValueEntries>[0]),
    (entries) => entries.map((e) => (e.value === undefined ? e.key : `${e.key}=${e.value}`)) as S["Type"],
  )

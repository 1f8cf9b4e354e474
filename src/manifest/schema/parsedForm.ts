/**
 * A Compose form read once: the written form (what users write, and what the JSON
 * Schema shows editors) decodes into a canonical form that every later stage (checks,
 * file references, normalization) reads, so none of them parses the written syntax
 * again. The parser's message becomes the issue at the value's position, exactly as a
 * filter's would.
 */
import { Effect, Schema, SchemaGetter, SchemaIssue } from "effect"

export const parsedForm = <From extends Schema.Constraint, To extends Schema.Constraint>(
  from: From,
  to: To,
  /** The canonical form, or a message saying what is wrong with the written one. */
  parse: (written: From["Type"]) => To["Encoded"] | string,
  /** Back to a written form (Compose's long syntax where there is one) for Schema.encode. */
  write: (canonical: To["Encoded"]) => From["Type"],
): Schema.decodeTo<To, From> =>
  Schema.decodeTo<To, From, never, never>(to, {
    decode: SchemaGetter.transformEffect((written: From["Type"]) => {
      const parsed = parse(written)
      return typeof parsed === "string"
        ? Effect.fail(new SchemaIssue.InvalidValue({ message: parsed }, written))
        : Effect.succeed(parsed)
    }),
    encode: SchemaGetter.transform(write),
  })(from)

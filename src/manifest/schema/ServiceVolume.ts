/**
 * A service's `volumes` entry, short (`SOURCE:TARGET[:MODE]`) or long, decodes to the
 * long syntax with `read_only` filled in: the one form checks, file references,
 * normalization and volume options read. `short` remembers an entry written as one
 * string, so an issue about its source points at that string rather than at a
 * `source:` key the user never wrote. compose/volumeSpec.ts is the one parser.
 */
import { Schema } from "effect"
import { formatShortVolume, parseShortVolume } from "../compose/volumeSpec.ts"
import { parsedForm } from "./parsedForm.ts"
import { longVolumeOptionFields } from "./volumeOptionFields.ts"

const opt = Schema.optionalKey

const Tmpfs = Schema.Struct({ size: opt(Schema.Union([Schema.String, Schema.Int])), mode: opt(Schema.Int) })

/** The canonical form. */
export const ServiceMount = Schema.Struct({
  type: Schema.Literals(["bind", "volume", "tmpfs"]),
  /** Unset: an anonymous volume (or a tmpfs). */
  source: opt(Schema.String),
  target: Schema.String,
  read_only: Schema.Boolean,
  ...longVolumeOptionFields,
  tmpfs: opt(Tmpfs),
  short: opt(Schema.Literal(true)),
})

export type ServiceMount = typeof ServiceMount.Type

/** Where a mount's source is written, below its entry: in the short string itself, or at `source:`. */
export const sourceAt = (mount: ServiceMount): ReadonlyArray<PropertyKey> => (mount.short ? [] : ["source"])

export const ShortVolume = parsedForm(
  Schema.String.annotate({ description: "SOURCE:TARGET[:ro]" }),
  ServiceMount,
  (s) => {
    const parsed = parseShortVolume(s)
    return typeof parsed === "string" ? parsed : { ...parsed, short: true as const }
  },
  formatShortVolume,
)

export const LongVolume = parsedForm(
  Schema.Struct({
    type: Schema.Literals(["bind", "volume", "tmpfs"]),
    source: opt(Schema.String),
    target: Schema.String.check(Schema.isStartingWith("/")),
    read_only: opt(Schema.Boolean),
    ...longVolumeOptionFields,
    tmpfs: opt(Tmpfs),
  })
    .check(
      Schema.makeFilter((v) =>
        v.type === "bind" && v.source === undefined
          ? { path: ["source"], issue: "a bind mount needs a source" }
          : v.type === "tmpfs" && v.source !== undefined
            ? { path: ["source"], issue: "a tmpfs mount has no source" }
            : undefined,
      ),
    )
    .annotate({ identifier: "LongVolume" }),
  ServiceMount,
  (v) => ({ ...v, read_only: v.read_only ?? false }),
  ({ short: _, ...long }) => long,
)

export const ServiceVolume = Schema.Union([ShortVolume, LongVolume]).annotate({
  identifier: "ServiceVolume",
  description: '"SOURCE:TARGET[:ro]" (SOURCE is a volume name or ./relative path) or the long syntax',
})

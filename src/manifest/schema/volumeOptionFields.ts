/**
 * The options of a long-syntax service volume beyond type/source/target/read_only/tmpfs
 * (bind propagation and SELinux label, create_host_path, nocopy, subpath, consistency),
 * spread into Manifest.ts's LongVolume. normalizeVolumeOptions.ts gives them meaning.
 */
import { Schema } from "effect"

const opt = Schema.optionalKey

export const Propagation = Schema.Literals(["rprivate", "private", "rshared", "shared", "rslave", "slave"])

export const longVolumeOptionFields = {
  bind: opt(
    Schema.Struct({
      create_host_path: opt(Schema.Boolean),
      propagation: opt(Propagation),
      selinux: opt(
        Schema.Literals(["z", "Z"]).annotate({ description: "z: shared label, Z: private label" }),
      ),
    }),
  ),
  volume: opt(
    Schema.Struct({
      nocopy: opt(Schema.Boolean),
      subpath: opt(
        Schema.String.annotate({ description: "Mount a path inside the volume (Engine API 1.45)" }),
      ),
    }),
  ),
  consistency: opt(Schema.String.annotate({ description: "Docker Desktop only: accepted and ignored" })),
}

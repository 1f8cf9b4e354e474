import type { DeviceRequest } from "../../domain/ContainerSpec.ts"
import type { Service } from "../Manifest.ts"
import { intOf } from "../schema/resourceFields.ts"

type Reservations = NonNullable<NonNullable<NonNullable<Service["deploy"]>["resources"]>["reservations"]>
export type DeviceRequestInput = NonNullable<Reservations["devices"]>[number]

/** A `gpus` item (`gpu` true) or a `deploy.resources.reservations.devices` item, as compose maps it. */
export const toDeviceRequest = (d: DeviceRequestInput, gpu: boolean): DeviceRequest => {
  const options =
    d.options === undefined
      ? undefined
      : Array.isArray(d.options)
        ? Object.fromEntries(
            (d.options as ReadonlyArray<string>).map((o) => {
              const eq = o.indexOf("=")
              return eq < 0 ? [o, ""] : [o.slice(0, eq), o.slice(eq + 1)]
            }),
          )
        : Object.fromEntries(Object.entries(d.options).map(([k, v]) => [k, v === null ? "" : String(v)]))
  // compose-go: neither count nor device_ids means all devices.
  const count =
    d.count === undefined
      ? d.device_ids === undefined
        ? -1
        : undefined
      : typeof d.count === "string" && d.count.trim().toLowerCase() === "all"
        ? -1
        : intOf(d.count)
  return {
    ...(d.driver === undefined ? {} : { driver: d.driver }),
    ...(count === undefined ? {} : { count }),
    ...(d.device_ids === undefined ? {} : { deviceIds: [...d.device_ids] }),
    // `gpus` entries always carry the gpu capability (compose appends it).
    capabilities: [gpu ? [...(d.capabilities ?? []), "gpu"] : [...(d.capabilities ?? [])]],
    ...(options === undefined ? {} : { options }),
  }
}

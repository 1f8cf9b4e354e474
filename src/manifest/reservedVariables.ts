/**
 * Variables named `FLEETD_*` are fleetd's own settings (webhook secrets, tokens). A
 * manifest comes from the repository, and a push must not be able to copy them into
 * a container, so any reference to one, by interpolation or by a bare `environment`
 * key, is an error even when a default is given.
 */
export const ReservedVariablePrefix = "FLEETD_"

export const isReservedVariable = (name: string): boolean => name.startsWith(ReservedVariablePrefix)

export const reservedVariableMessage = (name: string): string =>
  `${name} is reserved for fleetd's own settings (it may hold secrets) and cannot be referenced from the manifest`

import pkg from "../../package.json" with { type: "json" }

/** fleetd's version, from package.json (one place to bump it; the bundle inlines it). */
export const version: string = pkg.version

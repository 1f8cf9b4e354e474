import { Effect, Redacted } from "effect"
import { secret } from "../config/loadDaemonSettings.ts"

/**
 * The `Authorization` header for `/status` and `/status/history` of a daemon started
 * with FLEETD_UI_TOKEN: from FLEETD_UI_TOKEN (or `_FILE`) when set, else none (docs/page.md).
 * Fails with the SettingsError of an unreadable `_FILE`; the token is never printed.
 */
export const uiTokenHeaders = Effect.map(
  Effect.suspend(() => secret("FLEETD_UI_TOKEN", process.env)),
  (token): Record<string, string> =>
    token === undefined ? {} : { authorization: `Bearer ${Redacted.value(token)}` },
)

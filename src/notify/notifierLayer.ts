import { Layer } from "effect"
import type { DaemonSettings } from "../config/DaemonConfig.ts"
import { defaultNotifierOptions, Notifier } from "./Notifier.ts"
import { sendRequest } from "./sendRequest.ts"

/** The daemon's Notifier, sending over HTTP; none when no notification URL is configured. */
export const notifierLayer = (settings: DaemonSettings) =>
  settings.notify === undefined
    ? Layer.empty
    : Notifier.layer(settings.notify.targets, settings.notify.notice, sendRequest, {
        ...defaultNotifierOptions,
        ...(settings.publicUrl === undefined ? {} : { pageUrl: settings.publicUrl }),
      })

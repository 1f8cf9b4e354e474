import { Layer, Logger, References } from "effect"
import type { DaemonSettings } from "../config/DaemonConfig.ts"

const levels = { debug: "Debug", info: "Info", warn: "Warn", error: "Error" } as const

/** One JSON object per line (for log collectors), or readable lines on a terminal. */
export const loggerLayer = (settings: Pick<DaemonSettings, "logFormat" | "logLevel">) =>
  Layer.mergeAll(
    Logger.layer([settings.logFormat === "json" ? Logger.consoleJson : Logger.consolePretty()]),
    Layer.succeed(References.MinimumLogLevel, levels[settings.logLevel]),
  )

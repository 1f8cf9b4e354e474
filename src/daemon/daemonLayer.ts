import { Duration, Effect, Layer } from "effect"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import type { HandoverPlan } from "../domain/handover.ts"
import { BoundedEngine } from "../engine/BoundedEngine.ts"
import { DockerEngine } from "../engine/DockerEngine.ts"
import { DockerSwarmEngine } from "../engine/swarm/DockerSwarmEngine.ts"
import { Draining } from "../http/Draining.ts"
import { historyRoutes } from "../http/historyRoutes.ts"
import { pageRoutes } from "../http/pageRoutes.ts"
import { serveHttp } from "../http/serveHttp.ts"
import { statusRoutes } from "../http/statusRoutes.ts"
import { syncRoutes } from "../http/syncRoutes.ts"
import { closedProviders, webhookRoutes } from "../http/webhookRoutes.ts"
import { notifierLayer } from "../notify/notifierLayer.ts"
import { logEvent } from "../observability/logEvent.ts"
import { loggerLayer } from "../observability/loggerLayer.ts"
import { MetricsRegistry } from "../observability/MetricsRegistry.ts"
import { Registry } from "../registry/Registry.ts"
import { redactUrl } from "../source/redactUrl.ts"
import { applySources } from "./applySources.ts"
import { type DaemonSetup, daemonWide } from "./DaemonSetup.ts"
import { Sources } from "./Sources.ts"
import { startStandby } from "./startStandby.ts"
import { watchConfigFile } from "./watchConfigFile.ts"

/**
 * `fleetd run`: the daemon, as layers. The engine (with one bound on engine work across
 * sources), the registry's digest cache, metrics and draining are shared; each source
 * runs in a scope of its own (startSource.ts). Build order is release order reversed,
 * and shutdown (SIGTERM) needs: webhooks refused first (Draining), then every source's
 * loop stopped between engine actions, then the HTTP server closed. So the server is
 * built first, the sources on top of it, the draining finalizer last.
 */
export const daemonLayer = (setup: DaemonSetup, standby?: HandoverPlan) => {
  const settings = daemonWide(setup)
  // Half the shortest poll interval: every poll asks the registry, a burst of webhooks does not.
  const shortest = Math.min(...setup.sources.map((s) => Duration.toMillis(s.settings.interval)))
  const endpoint = settings.engine === undefined ? {} : { endpoint: settings.engine }
  const services = Layer.mergeAll(
    // A daemon lists its fleets every pass: on a local engine, it keeps listings between changes.
    BoundedEngine.layer(settings.concurrency).pipe(
      Layer.provide(DockerEngine.layer({ ...endpoint, followEvents: true })),
    ),
    // Connects only when a fleet uses the swarm target.
    DockerSwarmEngine.layer(endpoint),
    Registry.layer({ cacheTtl: Duration.millis(shortest / 2) }),
    Draining.layer,
    Sources.layer(setup.config?.file),
    notifierLayer(settings),
    // The daemon-wide settings, for the HTTP routes (the webhook body cap, the API token).
    Layer.succeed(DaemonConfig)(settings),
  ).pipe(Layer.provideMerge(MetricsRegistry.layer))

  const http = serveHttp(
    Layer.mergeAll(statusRoutes(), historyRoutes(), webhookRoutes(), syncRoutes(), pageRoutes()),
    settings.listen,
  )
  const sources = Layer.effectDiscard(
    Effect.gen(function* () {
      const running = yield* Sources
      // Stopped in parallel at shutdown: each finishes its current engine action first.
      yield* Effect.addFinalizer(() =>
        Effect.flatMap(running.all, (all) =>
          Effect.forEach(all, (s) => s.stop, { concurrency: "unbounded", discard: true }),
        ),
      )
      if (standby !== undefined) return yield* startStandby(setup.sources[0], standby)
      yield* applySources(setup.sources)
      if (setup.config !== undefined) yield* watchConfigFile(setup.config.file, setup.config.reload)
    }),
  )
  const started = Layer.effectDiscard(
    Effect.forEach(closedProviders(setup.sources), (provider) =>
      Effect.logWarning(`webhook provider ${provider} is closed: no secret configured`),
    ).pipe(
      Effect.andThen(
        logEvent("Info", "fleetd started", {
          ...(setup.config === undefined ? {} : { config: setup.config.file }),
          sources: setup.sources
            .map((s) => {
              const from = s.settings.source
              return `${s.name}=${from._tag === "Git" ? redactUrl(from.repo) : from.dir}`
            })
            .join(" "),
          listen: `${settings.listen.host}:${settings.listen.port}`,
          ...(settings.notify === undefined
            ? {}
            : { notify: settings.notify.targets.map((t) => t.label).join(" ") }),
        }),
      ),
    ),
  )
  return Draining.startOnShutdown.pipe(
    Layer.provideMerge(started),
    Layer.provideMerge(sources),
    Layer.provideMerge(http),
    Layer.provideMerge(services),
    Layer.provide(loggerLayer(settings)),
  )
}

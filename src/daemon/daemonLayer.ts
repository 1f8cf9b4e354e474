import { join } from "node:path"
import { Duration, Effect, type Fiber, Layer, Ref } from "effect"
import { DaemonConfig, type DaemonSettings } from "../config/DaemonConfig.ts"
import type { HandoverPlan } from "../domain/handover.ts"
import { DockerEngine } from "../engine/DockerEngine.ts"
import { Draining } from "../http/Draining.ts"
import { serveHttp } from "../http/serveHttp.ts"
import { statusRoutes } from "../http/statusRoutes.ts"
import { syncRoutes } from "../http/syncRoutes.ts"
import { webhookRoutes } from "../http/webhookRoutes.ts"
import { normalizeFleetName } from "../manifest/fleetName.ts"
import { logEvent } from "../observability/logEvent.ts"
import { loggerLayer } from "../observability/loggerLayer.ts"
import { Metrics } from "../observability/Metrics.ts"
import { PullLog } from "../reconciler/PullLog.ts"
import { Registry } from "../registry/Registry.ts"
import { DirSource } from "../source/DirSource.ts"
import { GitSource } from "../source/GitSource.ts"
import { redactUrl } from "../source/redactUrl.ts"
import { FileWatcher } from "../triggers/FileWatcher.ts"
import { Triggers } from "../triggers/Triggers.ts"
import { defaultLeaseTtl, FleetLease } from "./FleetLease.ts"
import { emptyProjectsMemo, projectsPass } from "./projectsPass.ts"
import { runLoop, runLoopWith } from "./runLoop.ts"
import { StatusStore } from "./StatusStore.ts"
import { superviseHandover } from "./superviseHandover.ts"

/** The repository's name, for its checkout directory: `https://host/org/app.git` → `app`. */
const repoName = (repo: string) =>
  normalizeFleetName(
    repo
      .replace(/\.git\/?$/, "")
      .split(/[/:]/)
      .pop() ?? "",
  ) || "repo"

/**
 * `fleetd run`: the daemon, as layers. Build order is release order reversed, and
 * shutdown (SIGTERM) needs: webhooks refused first (Draining), then the loop stopped
 * between engine actions, then the HTTP server closed. So the server is built first,
 * the loop on top of it, the draining finalizer last.
 */
export const daemonLayer = (settings: DaemonSettings, standby?: HandoverPlan) => {
  const metrics = Metrics.layer
  const { source: sourceConfig } = settings
  const source =
    sourceConfig._tag === "Git"
      ? Layer.unwrap(
          Effect.map(Metrics, (m) =>
            GitSource.layer(sourceConfig, join(settings.dataDir, "checkout", repoName(sourceConfig.repo)), {
              onFetch: m.recordGitFetch,
            }),
          ),
        )
      : DirSource.layer(sourceConfig.dir, settings.projects === undefined ? settings.path : undefined)
  // In git mode only --local-files can change under fleetd: watch them, if there are any.
  // With projects, each pass follows the files of the projects it loaded.
  const watcher =
    settings.source._tag === "Dir"
      ? FileWatcher.layer(
          settings.projects !== undefined
            ? []
            : [join(settings.source.dir, settings.path), join(settings.source.dir, ".env")],
        )
      : settings.localFiles === undefined
        ? FileWatcher.none
        : FileWatcher.layer([])
  const base = Layer.mergeAll(
    Triggers.layer,
    Layer.succeed(DaemonConfig)(settings),
    DockerEngine.layer(settings.engine === undefined ? {} : { endpoint: settings.engine }),
    // Half the poll interval: every poll asks the registry, a burst of webhooks does not.
    Registry.layer({ cacheTtl: Duration.millis(Duration.toMillis(settings.interval) / 2) }),
    PullLog.file(join(settings.dataDir, "pulls.json")),
    Draining.layer,
  ).pipe(Layer.provideMerge(source.pipe(Layer.provideMerge(metrics))))
  // Released after the loop has stopped (it is built on top): a waiting fleetd takes over at once.
  const lease = FleetLease.layer({ ttl: settings.leaseExpiry ?? defaultLeaseTtl, command: "run" })
  const services = Layer.mergeAll(StatusStore.layer(settings.fleet), watcher, lease).pipe(
    Layer.provideMerge(base),
  )

  const loopFiber = Ref.makeUnsafe<Fiber.Fiber<never> | undefined>(undefined)
  const loopAlive = Effect.map(Ref.get(loopFiber), (f) => f !== undefined && f.pollUnsafe() === undefined)
  const http = serveHttp(
    Layer.mergeAll(statusRoutes(loopAlive), webhookRoutes(), syncRoutes()),
    settings.listen,
  )
  const loop = Layer.effectDiscard(
    Effect.gen(function* () {
      if (standby !== undefined) {
        // A standby applies nothing and refuses webhooks; it waits to take over (superviseHandover.ts).
        yield* (yield* Draining).start
        // An engine that stays unreachable mid-takeover must not leave the fleet without a
        // fleetd: the standby exits, its restart policy (unless-stopped) starts it again,
        // and it goes on from what the container names say.
        const supervisor = yield* Effect.forkScoped(
          superviseHandover(standby).pipe(
            Effect.andThen(Effect.never),
            Effect.catch((e) =>
              logEvent("Error", `handover: the standby failed; exiting to be restarted: ${e.message}`).pipe(
                Effect.andThen(Effect.sync(() => process.exit(1))),
                Effect.andThen(Effect.never),
              ),
            ),
          ),
        )
        return yield* Ref.set(loopFiber, supervisor)
      }
      const fiber = yield* Effect.forkScoped(
        settings.projects === undefined
          ? runLoop
          : runLoopWith(() => {
              const memo = emptyProjectsMemo()
              return (triggers) => projectsPass(triggers, memo)
            }),
      )
      yield* Ref.set(loopFiber, fiber)
    }),
  )
  const started = Layer.effectDiscard(
    logEvent("Info", "fleetd started", {
      source: settings.source._tag === "Git" ? redactUrl(settings.source.repo) : settings.source.dir,
      listen: `${settings.listen.host}:${settings.listen.port}`,
      interval: Duration.format(settings.interval),
    }),
  )
  return Draining.startOnShutdown.pipe(
    Layer.provideMerge(started),
    Layer.provideMerge(loop),
    Layer.provideMerge(http),
    Layer.provideMerge(services),
    Layer.provide(loggerLayer(settings)),
  )
}

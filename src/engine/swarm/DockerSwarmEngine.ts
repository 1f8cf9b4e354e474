import { Duration, Effect, Layer } from "effect"
import { fleetFilter } from "../../domain/labels.ts"
import type { ObservedTask } from "../../domain/ObservedSwarm.ts"
import { connectEngine, type EngineConnection } from "../connectEngine.ts"
import { demuxLogs } from "../demuxLogs.ts"
import { dialDelete, dialGet, dialPost } from "../dial.ts"
import type { DiscoverOptions } from "../discoverSocket.ts"
import { type CallContext, engineCall, succeedOnStatus } from "../engineCall.ts"
import { SwarmEngine } from "./SwarmEngine.ts"
import {
  type ApiNode,
  type ApiObject,
  type ApiService,
  type ApiTask,
  toObservedService,
  toObservedTask,
} from "./toObservedSwarm.ts"

/** Where secrets and configs live in the API. */
const objectPaths = { secret: "/secrets", config: "/configs" } as const

export interface SwarmEngineOptions {
  /** `unix:///path`, `/path` or `tcp://host:port`; overrides DOCKER_HOST and the default sockets. */
  readonly endpoint?: string | undefined
  readonly env?: DiscoverOptions["env"]
  /** Limit for one API call; default 30 s. */
  readonly callTimeout?: Duration.Input
}

const codes = (what: string) =>
  ({
    200: true,
    201: true,
    204: true,
    404: `no such ${what}`,
    409: "conflict",
    500: "server error",
    503: "node is not a swarm manager",
  }) as const

/** The real SwarmEngine over the Engine API. Connects on first use, so it builds even when the engine is down. */
export const makeSwarmEngine = (options: SwarmEngineOptions = {}): SwarmEngine["Service"] => {
  const timeout = options.callTimeout ?? Duration.seconds(30)
  let connection: EngineConnection | undefined
  const connect = (operation: string) =>
    connection !== undefined
      ? Effect.succeed(connection)
      : connectEngine(operation, options, timeout).pipe(
          Effect.tap((c) =>
            Effect.sync(() => {
              connection = c
            }),
          ),
        )
  const call = <A>(context: CallContext, run: (c: EngineConnection, signal: AbortSignal) => Promise<A>) =>
    Effect.flatMap(connect(context.operation), (c) =>
      engineCall(context, timeout, (signal) => run(c, signal)).pipe(
        Effect.tapError((error) =>
          Effect.sync(() => {
            if (error.reason === "Unavailable") connection = undefined
          }),
        ),
      ),
    )

  const inspectService = (id: string) =>
    call({ operation: "SwarmEngine.inspectService", target: `service ${id}` }, (c, signal) =>
      dialGet<ApiService>(
        c.docker,
        { path: `/services/${encodeURIComponent(id)}`, statusCodes: codes("service") },
        signal,
      ),
    ).pipe(Effect.map(toObservedService))

  return SwarmEngine.of({
    manager: call({ operation: "SwarmEngine.manager", target: "engine info" }, (c, signal) =>
      dialGet<{ Swarm?: { ControlAvailable?: boolean; LocalNodeState?: string; Nodes?: number } }>(
        c.docker,
        { path: "/info", statusCodes: codes("info") },
        signal,
      ),
    ).pipe(
      Effect.map((info) => ({
        manager: info.Swarm?.ControlAvailable === true,
        nodeState: info.Swarm?.LocalNodeState ?? "inactive",
        ...(info.Swarm?.Nodes === undefined ? {} : { nodes: info.Swarm.Nodes }),
      })),
    ),

    listServices: (fleet) =>
      call({ operation: "SwarmEngine.listServices", target: `services of fleet ${fleet}` }, (c, signal) =>
        dialGet<ReadonlyArray<ApiService>>(
          c.docker,
          {
            path: "/services",
            query: { filters: { label: [fleetFilter(fleet)] } },
            statusCodes: codes("service"),
          },
          signal,
        ),
      ).pipe(Effect.map((services) => services.map(toObservedService))),

    inspectService,

    createService: (spec) =>
      call(
        { operation: "SwarmEngine.createService", target: `service ${spec.Name}`, redact: envValues(spec) },
        (c, signal) =>
          dialPost<{ ID: string }>(
            c.docker,
            { path: "/services/create", statusCodes: codes("service") },
            spec,
            signal,
          ),
      ).pipe(Effect.map((created) => created.ID)),

    updateService: (id, version, spec) =>
      call(
        { operation: "SwarmEngine.updateService", target: `service ${spec.Name}`, redact: envValues(spec) },
        (c, signal) =>
          dialPost(
            c.docker,
            {
              path: `/services/${encodeURIComponent(id)}/update`,
              query: { version },
              statusCodes: codes("service"),
            },
            spec,
            signal,
          ),
      ).pipe(Effect.asVoid),

    removeService: (id) =>
      call({ operation: "SwarmEngine.removeService", target: `service ${id}` }, (c, signal) =>
        dialDelete(
          c.docker,
          { path: `/services/${encodeURIComponent(id)}`, statusCodes: codes("service") },
          signal,
        ),
      ).pipe(succeedOnStatus(404), Effect.asVoid),

    listTasks: (serviceIds) =>
      serviceIds.length === 0
        ? Effect.succeed([])
        : Effect.all(
            [
              call({ operation: "SwarmEngine.listTasks", target: "tasks" }, (c, signal) =>
                dialGet<ReadonlyArray<ApiTask>>(
                  c.docker,
                  {
                    path: "/tasks",
                    query: { filters: { service: [...serviceIds] } },
                    statusCodes: codes("task"),
                  },
                  signal,
                ),
              ),
              call({ operation: "SwarmEngine.listTasks", target: "nodes" }, (c, signal) =>
                dialGet<ReadonlyArray<ApiNode>>(
                  c.docker,
                  { path: "/nodes", statusCodes: codes("node") },
                  signal,
                ),
              ),
            ],
            { concurrency: 2 },
          ).pipe(
            Effect.map(([tasks, nodes]): ReadonlyArray<ObservedTask> => {
              const hostnames = new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]))
              return tasks.map((t) => toObservedTask(t, hostnames))
            }),
          ),

    taskLogs: (taskId, tail) =>
      call({ operation: "SwarmEngine.taskLogs", target: `logs of task ${taskId}` }, (c, signal) =>
        dialGet<Uint8Array | string>(
          c.docker,
          {
            path: `/tasks/${encodeURIComponent(taskId)}/logs`,
            query: { stdout: true, stderr: true, tail },
            statusCodes: codes("task"),
          },
          signal,
        ),
      ).pipe(Effect.map((body) => demuxLogs(typeof body === "string" ? Buffer.from(body) : body))),

    listObjects: (kind, fleet) =>
      call({ operation: "SwarmEngine.listObjects", target: `${kind}s of fleet ${fleet}` }, (c, signal) =>
        dialGet<ReadonlyArray<ApiObject>>(
          c.docker,
          {
            path: objectPaths[kind],
            query: { filters: { label: [fleetFilter(fleet)] } },
            statusCodes: codes(kind),
          },
          signal,
        ),
      ).pipe(
        Effect.map((objects) =>
          objects.map((o) => ({ id: o.ID, name: o.Spec.Name, labels: o.Spec.Labels ?? {} })),
        ),
      ),

    createObject: (kind, name, labels, data) =>
      // The data never reaches a message: the target names the object only, and the engine's answer is not the data.
      call({ operation: "SwarmEngine.createObject", target: `${kind} ${name}` }, (c, signal) =>
        dialPost<{ ID: string }>(
          c.docker,
          { path: `${objectPaths[kind]}/create`, statusCodes: codes(kind) },
          { Name: name, Labels: { ...labels }, Data: Buffer.from(data).toString("base64") },
          signal,
        ),
      ).pipe(Effect.map((created) => created.ID)),

    removeObject: (kind, id) =>
      call({ operation: "SwarmEngine.removeObject", target: `${kind} ${id}` }, (c, signal) =>
        dialDelete(
          c.docker,
          { path: `${objectPaths[kind]}/${encodeURIComponent(id)}`, statusCodes: codes(kind) },
          signal,
        ),
      ).pipe(succeedOnStatus(404), Effect.asVoid),
  })
}

/** The environment's values: the engine echoes parts of a spec in some errors. */
const envValues = (spec: { readonly TaskTemplate: { readonly ContainerSpec: Record<string, unknown> } }) => {
  const env = spec.TaskTemplate.ContainerSpec["Env"]
  return Array.isArray(env) ? env.map((e) => String(e).slice(String(e).indexOf("=") + 1)) : []
}

/** `DockerSwarmEngine.layer()` provides SwarmEngine over the engine fleetd is pointed at. */
export const DockerSwarmEngine = {
  make: makeSwarmEngine,
  layer: (options: SwarmEngineOptions = {}): Layer.Layer<SwarmEngine> =>
    Layer.sync(SwarmEngine, () => makeSwarmEngine(options)),
} as const

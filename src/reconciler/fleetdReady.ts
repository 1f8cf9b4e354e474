import { Clock, Effect } from "effect"
import { ContainerEngine } from "../engine/ContainerEngine.ts"

/**
 * Asked inside a fleetd container (exec, so it works whatever its networks and with no
 * host port): is it ready to take over? A standby is when its settings loaded and the
 * engine answered (`phase: "Standby"`); a fleetd that runs passes is once one finished
 * and applied (`success` or `partial`: a failing service of the fleet is not the new
 * fleetd's fault; a pass that could not read the source, the engine or the manifest is).
 * Runs `node`, which the fleetd image has, against the address in its FLEETD_LISTEN.
 */
const probe = [
  'const l=process.env.FLEETD_LISTEN||"127.0.0.1:8080";const i=l.lastIndexOf(":");',
  'let h=l.slice(0,i).replace(/^\\[|\\]$/g,"");if(h===""||h==="0.0.0.0"||h==="::")h="127.0.0.1";',
  'if(h.includes(":"))h="["+h+"]";',
  'fetch("http://"+h+":"+l.slice(i+1)+"/status",{signal:AbortSignal.timeout(2000)}).then(r=>r.json()).then(s=>{',
  "const p=s.lastPass||{};",
  'const ok=s.phase==="Standby"?s.engine&&s.engine.reachable===true:Boolean(p.finishedAt)&&(p.result==="success"||p.result==="partial");',
  'process.stdout.write(ok?"ready":"not ready: phase "+s.phase+", last pass "+(p.result||"none"));process.exit(ok?0:1)',
  '},e=>{process.stdout.write("no answer: "+e.message);process.exit(1)})',
].join("")

export const fleetdReadyCommand: ReadonlyArray<string> = ["node", "-e", probe]

/** How often the probe runs while waiting: each exec costs a process start in the container. */
const probeEveryMs = 500

/**
 * Waits until the fleetd in container `id` says it is ready, at most `timeoutMs`.
 * Undefined when it is, else why not (its last answer).
 */
export const awaitFleetdReady = Effect.fnUntraced(function* (id: string, timeoutMs: number) {
  const engine = yield* ContainerEngine
  const startedAt = yield* Clock.currentTimeMillis
  let last = "not asked"
  for (;;) {
    const answer = yield* Effect.result(engine.exec(id, fleetdReadyCommand, { timeoutMs: 5_000 }))
    if (answer._tag === "Success" && answer.success.exitCode === 0) return undefined
    last =
      answer._tag === "Failure"
        ? `cannot ask it: ${answer.failure.message}`
        : answer.success.output.trim() || `probe exit code ${answer.success.exitCode ?? "unknown"}`
    const elapsed = (yield* Clock.currentTimeMillis) - startedAt
    if (elapsed >= timeoutMs) return `not ready within ${Math.round(timeoutMs / 1000)}s (${last})`
    yield* Effect.sleep(Math.min(probeEveryMs, timeoutMs - elapsed))
  }
})

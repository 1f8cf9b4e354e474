import type Docker from "dockerode"

/**
 * Runs `cmd` in one of the test's own containers through the raw client: its output
 * (stdout and stderr as the engine streams them), or `exit N: output` when it fails.
 */
export const execIn = async (
  docker: Docker,
  container: string,
  cmd: ReadonlyArray<string>,
): Promise<string> => {
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const chunks: Array<Buffer> = []
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c))
    stream.on("end", () => resolve())
    stream.on("error", reject)
  })
  const text = Buffer.concat(chunks).toString("latin1")
  const { ExitCode } = await exec.inspect()
  return ExitCode === 0 ? text : `exit ${ExitCode}: ${text}`
}

import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A registry stand-in on 127.0.0.1 that asks for the Bearer token flow: `/v2/...`
 * answers 401 with a challenge whose realm is its own `/token`, which hands out `token`
 * only for Basic `username:password`; a manifest asked for with that token is "not
 * found" (404), so a tracked image stays unchecked and its pass fails. It records the
 * Authorization headers it got, the proof that fleetd used the credentials.
 */
export const startTokenRegistry = async (username: string, password: string, token: string) => {
  const authorizations: Array<string> = []
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? ""
    if (auth !== "") authorizations.push(auth)
    const url = new URL(req.url ?? "/", "http://registry")
    if (url.pathname === "/token") {
      if (auth !== basic) return void res.writeHead(401).end()
      return void res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ token, expires_in: 300 }))
    }
    if (auth !== `Bearer ${token}`)
      return void res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="canary-registry"`,
        })
        .end()
    res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    host: `127.0.0.1:${port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

import { type Html, html } from "./html.ts"

/** `/login`: one field, the UI token; `next` is where to go after (a path of this page only). */
export const loginPage = (
  next: string,
  problem: string | undefined,
): { readonly title: string; readonly main: Html } => ({
  title: "Log in · fleetd",
  main: html`<form class="login" method="post" action="/login">
    <h1>Log in to fleetd</h1>
    <p>This fleetd asks for the token it was started with (<code>FLEETD_UI_TOKEN</code>).</p>
    ${problem === undefined ? "" : html`<p class="error" role="alert">${problem}</p>`}
    <label for="token">Token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <input type="hidden" name="next" value="${next}">
    <p><button type="submit">Log in</button></p>
  </form>`,
})

/**
 * Debian's chromium (/usr/bin/chromium, installed by scripts/setup.sh) driven by
 * playwright-core: never a downloaded browser. Imported at run time and typed by the
 * few calls the page tests make, so type-checking does not depend on the package
 * being installed where the checks run (it is a devDependency, present after
 * `npm install`).
 */
export interface BrowserPage {
  on(event: "console", listener: (message: { type(): string; text(): string }) => void): void
  on(event: "pageerror", listener: (error: Error) => void): void
  goto(url: string): Promise<{ status(): number } | null>
  fill(selector: string, value: string): Promise<void>
  click(selector: string): Promise<void>
  waitForURL(url: string): Promise<void>
  /** An expression evaluated in the page (a string: the tests are not compiled with the DOM's types). */
  evaluate(expression: string): Promise<unknown>
  locator(selector: string): {
    allTextContents(): Promise<Array<string>>
    textContent(): Promise<string | null>
  }
  screenshot(options: { readonly path: string; readonly fullPage?: boolean }): Promise<unknown>
}

export interface BrowserContext {
  newPage(): Promise<BrowserPage>
  cookies(): Promise<ReadonlyArray<{ name: string; value: string; httpOnly: boolean; sameSite: string }>>
  close(): Promise<void>
}

export interface Browser {
  newContext(options?: {
    readonly viewport?: { readonly width: number; readonly height: number }
    readonly colorScheme?: "light" | "dark"
  }): Promise<BrowserContext>
  close(): Promise<void>
}

const playwright = "playwright-core"

export const launchChromium = async (): Promise<Browser> => {
  const { chromium } = (await import(playwright)) as {
    chromium: { launch(options: { executablePath: string; args: Array<string> }): Promise<Browser> }
  }
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] })
}

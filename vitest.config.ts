import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Engine tests share one daemon per engine; files run one at a time so their
    // timing-sensitive steps (kill -9 mid-replacement) are not starved of CPU.
    fileParallelism: false,
  },
})

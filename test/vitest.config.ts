import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    // Through Prism (`PRISM=1`) every request takes a detour of a few milliseconds.
    testTimeout: process.env.PRISM === '1' ? 30_000 : 5_000,
    hookTimeout: process.env.PRISM === '1' ? 60_000 : 10_000,
    // Collects the (operation, status) pairs the tests saw and fails the run on a gap.
    globalSetup: ['test/contract/coverage.setup.ts'],
  },
})

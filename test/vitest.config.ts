import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    // Collects the (operation, status) pairs the tests saw and fails the run on a gap.
    globalSetup: ['test/contract/coverage.setup.ts'],
  },
})

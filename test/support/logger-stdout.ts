/**
 * Run by test/logger.test.ts in a child process whose stdout is a file: logs LINES lines
 * through the service's logger, then, without yielding to the event loop, reports on
 * stderr how many bytes had reached the file.
 */
import { fstatSync } from 'node:fs'
import { createLogger } from '../../src/logger.js'

const lines = Number(process.env.LINES)
const logger = createLogger('info', { terminal: false })
for (let i = 0; i < lines; i++) logger.info({ reqId: `request-${i}`, method: 'GET', status: 200, ms: 1.2 }, 'request')
process.stderr.write(`${JSON.stringify({ written: fstatSync(1).size })}\n`)
process.exit(0)

/**
 * The Errors guide (src/openapi/guides/api-guide.md, served as `info.description`) is
 * where a client learns which problem each status carries. Its table must be what the
 * code produces: one row per error class in src/errors.ts and one for the error handler's
 * own 500, each with that status and `type`, and no row for a code nothing produces. The
 * spec's `ProblemCode` enum must list exactly the same codes.
 */
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import express from 'express'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import * as errors from '../../src/errors.js'
import { problemErrorHandler, toProblem } from '../../src/http/problems.js'

type Row = { status: number; code: string; type: string }

const root = join(import.meta.dirname, '../..')
const spec = parse(readFileSync(join(root, 'openapi.yaml'), 'utf8')) as {
  info: { description: string }
  components: { schemas: { ProblemCode: { enum: string[] } } }
}

/** A Markdown table line's cells, trimmed (however a formatter pads them). */
const cells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim())

/** The rows of the table in the guide's `## Errors` section; every row must have the table's shape. */
function guideRows(description: string): Row[] {
  const section = description.split(/^## /m).find((s) => s.startsWith('Errors\n'))
  expect(section, 'the guide has an "## Errors" section').toBeDefined()
  const [header, separator, ...rows] = (section ?? '').split('\n').filter((line) => line.trim().startsWith('|'))
  expect(cells(header ?? '')).toEqual(['status', '`code`', '`type`', 'when'])
  expect(cells(separator ?? '').every((cell) => /^:?-+:?$/.test(cell))).toBe(true)
  return rows.map((line) => {
    const row = cells(line)
    const [status = '', code = '', type = '', when = ''] = row
    expect({ columns: row.length, status, code, type, when: when.length > 0 }, line).toEqual({
      columns: 4,
      status: expect.stringMatching(/^\d{3}$/),
      code: expect.stringMatching(/^`[A-Z_]+`$/),
      type: expect.stringMatching(/^`\/problems\/[a-z-]+`$/),
      when: true,
    })
    return { status: Number(status), code: code.slice(1, -1), type: type.slice(1, -1) }
  })
}

/** One instance of each error class, built as the code builds it. */
const oneOfEach: errors.AppError[] = [
  new errors.BadRequestError('bad'),
  new errors.UnauthorizedError('who?'),
  new errors.NotFoundError('none'),
  new errors.MethodNotAllowedError('PUT', ['GET']),
  new errors.NotAcceptableError('no'),
  new errors.RequestTimeoutError('late'),
  new errors.ConflictError('taken'),
  new errors.PreconditionFailedError('changed'),
  new errors.PayloadTooLargeError('big'),
  new errors.UnsupportedMediaTypeError('xml'),
  new errors.ValidationError('invalid'),
  new errors.IdempotencyKeyReusedError('reused'),
  new errors.RequestHeaderFieldsTooLargeError('headers'),
  new errors.TooManyRequestsError('slow down', 1),
  new errors.ServiceUnavailableError('down', 1),
]

/** What the error handler answers for anything that is not an AppError (a bug). */
async function internalErrorProblem(): Promise<Row> {
  const app = express()
  app.get('/', () => {
    throw new Error('a bug')
  })
  app.use(problemErrorHandler(pino({ enabled: false }), JSON.stringify))
  const server = app.listen(0, '127.0.0.1')
  try {
    await new Promise((resolve) => server.once('listening', resolve))
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    const { status, code, type } = (await res.json()) as Row
    expect(res.status).toBe(status)
    return { status, code, type }
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

const byCode = (a: Row, b: Row) => a.code.localeCompare(b.code)

describe('the Errors guide', () => {
  it('covers every error class in src/errors.ts (add a new one to the list above)', () => {
    const classes = Object.values(errors).filter((value) => typeof value === 'function' && value.prototype instanceof errors.AppError)
    expect(new Set(oneOfEach.map((e) => e.constructor))).toEqual(new Set(classes))
  })

  it('has one row per problem the code produces, with its status and type, and no other', async () => {
    const produced = [...oneOfEach.map(toProblem), await internalErrorProblem()].map(({ status, code, type }) => ({ status, code, type }))
    expect(guideRows(spec.info.description).sort(byCode)).toEqual(produced.sort(byCode))
  })

  it('lists the same codes as the ProblemCode enum', () => {
    const codes = guideRows(spec.info.description).map((row) => row.code)
    expect([...spec.components.schemas.ProblemCode.enum].sort()).toEqual(codes.sort())
  })
})

/** Health checks, the spec as served, and the rendered reference. */
import { sql } from 'kysely'
import type { components } from '../../generated/openapi.js'
import type { OperationHandler } from '../core/operations.js'
import { UNREACHABLE_RETRY_AFTER_SECONDS } from '../db/unavailable.js'
import { ServiceUnavailableError } from '../errors.js'
import { loadDocs } from '../spec/docs.js'

export const checkLiveness: OperationHandler<'checkLiveness'> = async () => ({ status: 200, body: { status: 'ok' } })

/**
 * 200 when a query reaches the database. Any failure is a 503 (a load balancer takes the
 * replica out of rotation, no more): a PostgreSQL server that cannot serve it says why
 * (db/unavailable.ts), anything else is a database this process cannot use either.
 */
export const checkReadiness: OperationHandler<'checkReadiness'> = async (_request, { db }) => {
  try {
    await sql`select 1`.execute(db)
  } catch (error) {
    if (error instanceof ServiceUnavailableError) throw error
    throw new ServiceUnavailableError('The database cannot be reached.', UNREACHABLE_RETRY_AFTER_SECONDS, { cause: error })
  }
  return { status: 200, body: { status: 'ok', checks: { database: 'ok' } } }
}

export const getOpenApiYaml: OperationHandler<'getOpenApiYaml'> = async (_request, { spec }) => ({
  status: 200,
  body: spec.yaml,
})

export const getOpenApiJson: OperationHandler<'getOpenApiJson'> = async (_request, { spec }) => ({
  status: 200,
  body: spec.parsed as components['schemas']['OpenApiDocument'],
})

/** `docs/index.html`, built by `npm run docs` from this same `openapi.yaml`. */
export const getDocs: OperationHandler<'getDocs'> = async (_request, { config }) => ({
  status: 200,
  body: (await loadDocs(config.rootDir)).html,
})

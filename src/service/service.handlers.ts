/** Health checks, the spec as served, and the rendered reference. */
import { sql } from 'kysely'
import { ServiceUnavailableError } from '../errors.js'
import type { components } from '../../generated/openapi.js'
import type { OperationHandler } from '../http/operations.js'
import { loadDocs } from './docs.js'

/** A database that is down usually takes seconds to come back, not milliseconds. */
const DATABASE_RETRY_AFTER_SECONDS = 5

export const checkLiveness: OperationHandler<'checkLiveness'> = async () => ({ status: 200, body: { status: 'ok' } })

export const checkReadiness: OperationHandler<'checkReadiness'> = async (_request, { db, logger }) => {
  try {
    await sql`select 1`.execute(db)
  } catch (error) {
    logger.error({ err: error }, 'readiness check: the database is unreachable')
    throw new ServiceUnavailableError('The database is not reachable.', DATABASE_RETRY_AFTER_SECONDS)
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

/**
 * Text that PostgreSQL cannot hold: U+0000. SQLite stores it like any other character,
 * and the API takes it in titles, names and descriptions; PostgreSQL's `text` refuses it
 * (SQLSTATE 22021). So on PostgreSQL every string goes in with U+0000 and U+0001 written
 * as two characters each, U+0001 U+0001 and U+0001 U+0002, and comes out decoded again.
 *
 * The code keeps what the queries rely on: code-point order (U+0000 < U+0001 < anything
 * else, and no code is a prefix of another), `lower()` (which leaves control characters
 * alone), and equality. One thing it bends: a title search for text that starts with
 * U+0002 or ends with U+0001 may also find titles where that character is half of a code.
 */
import { type CompiledQuery, type DatabaseConnection, type Driver, PostgresDialect, type PostgresDialectConfig, type QueryResult } from 'kysely'
import { WrappingDriver } from './wrapping-driver.js'

const ESCAPE = '\u0001'
// biome-ignore-start lint/suspicious/noControlCharactersInRegex: these control characters are what the module escapes
const NEEDS_CODE = /[\u0000\u0001]/g
const HAS_NEED_OF_CODE = /[\u0000\u0001]/
const CODED = /\u0001[\u0001\u0002]/g
// biome-ignore-end lint/suspicious/noControlCharactersInRegex: end of the escaping patterns

function encodeText(text: string): string {
  return text.replace(NEEDS_CODE, (char) => (char === '\u0000' ? `${ESCAPE}\u0001` : `${ESCAPE}\u0002`))
}

export function decodeText(stored: string): string {
  return stored.includes(ESCAPE) ? stored.replace(CODED, (code) => (code === `${ESCAPE}\u0001` ? '\u0000' : '\u0001')) : stored
}

function encodeParameters(query: CompiledQuery): CompiledQuery {
  if (!query.parameters.some((value) => typeof value === 'string' && HAS_NEED_OF_CODE.test(value))) return query
  return { ...query, parameters: query.parameters.map((value) => (typeof value === 'string' ? encodeText(value) : value)) }
}

/**
 * Kysely's PostgreSQL driver with every query's string parameters encoded. Results are
 * decoded by the pool's type parser for text (postgres.ts), so rows come back as sent.
 */
class TextEncodingDriver extends WrappingDriver {
  protected wrap(connection: DatabaseConnection): DatabaseConnection {
    return {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => connection.executeQuery<R>(encodeParameters(query)),
      streamQuery: (query, chunkSize) => connection.streamQuery(encodeParameters(query), chunkSize),
    }
  }
}

export class TextEncodingPostgresDialect extends PostgresDialect {
  constructor(config: PostgresDialectConfig) {
    super(config)
  }

  override createDriver(): Driver {
    return new TextEncodingDriver(super.createDriver())
  }
}

/**
 * Kysely queries of a fixed shape, built and compiled once and then run with new values.
 *
 * Building a query tree and compiling it to SQL costs Kysely more than SQLite takes to
 * run a lookup by id, and for a query whose shape never changes the result is the same
 * SQL every time: only the values differ. A prepared query builds its tree once, with a
 * placeholder wherever a value goes, and compiles it; each run then puts the values in
 * the placeholders' places among the compiled parameters and hands the compiled query to
 * `db.executeQuery`. So it is still Kysely that runs it: on the connection or the
 * transaction given, logged, and with every plugin's `transformResult` applied.
 *
 *     const selectTaskQuery = prepareQuery((db, p: Placeholders<{ userId: number; id: number }>) =>
 *       db.selectFrom('tasks').selectAll().where('user_id', '=', p('userId')).where('id', '=', p('id')),
 *     )
 *     const task = await selectTaskQuery.executeTakeFirst(db, { userId, id })
 *
 * Values stay bound parameters: a placeholder is an object of its own, never a string, so
 * it can't be spliced into the SQL (it throws if anything tries to turn it into text),
 * nor be mistaken for a value a caller passed. Compiling checks that every placeholder
 * the builder asked for came out as exactly one parameter of the compiled query; a
 * placeholder that a builder inspected instead of passing on (`p('done') ? 1 : 0`), or
 * that a plugin replaced, fails there rather than run with the wrong value.
 *
 * A placeholder stands for one scalar value. It can't stand for a list (`in`), a column
 * or a table name, or anything else that changes the query's shape: such a query either
 * keeps the query builder or has one prepared query per shape.
 */
import {
  type Compilable,
  type CompiledQuery,
  type DialectAdapter,
  type Kysely,
  type KyselyPlugin,
  NoResultError,
  type QueryId,
  QueryNode,
  type QueryResult,
  type RootOperationNode,
} from 'kysely'
import type { DatabaseSchema } from './schema.js'

/** A value SQLite binds as it is. */
export type ParameterValue = string | number | bigint | Uint8Array | null

/** The values a prepared query is run with, by name. */
export type QueryParameters = Readonly<Record<string, ParameterValue>>

/** `p('name')`: where the parameter `name` goes. Typed as its value, so the builder type-checks as usual. */
export type Placeholders<P extends QueryParameters> = <K extends keyof P & string>(name: K) => P[K]

class PreparedQueryError extends Error {
  override readonly name = 'PreparedQueryError'
}

/** Stands where a value will go. Refuses to become text, so it can only ever be a bound parameter. */
class Placeholder {
  constructor(readonly parameter: string) {
    Object.freeze(this)
  }

  #refuse(): never {
    throw new PreparedQueryError(`the placeholder for "${this.parameter}" was turned into text: a placeholder can only be a bound parameter`)
  }

  [Symbol.toPrimitive](): never {
    return this.#refuse()
  }

  toString(): never {
    return this.#refuse()
  }

  toJSON(): never {
    return this.#refuse()
  }
}

/** One compilation of the query, for one database (its dialect) and one list of plugins. */
interface Compiled {
  readonly plugins: readonly KyselyPlugin[]
  readonly query: RootOperationNode
  readonly queryId: QueryId
  readonly sql: string
  /** For each compiled parameter, the name of the value that goes there, or undefined for a constant. */
  readonly slots: readonly (string | undefined)[]
  /** The constants the builder put in, at their places; undefined where a slot is named. */
  readonly constants: readonly unknown[]
  /** How many different names the query takes. */
  readonly names: number
}

/** The plugins a query ran through, compared one by one: a `withPlugin` copy compiles anew. */
function samePlugins(a: readonly KyselyPlugin[], b: readonly KyselyPlugin[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export class PreparedQuery<P extends QueryParameters, R, DB = DatabaseSchema> {
  readonly #build: (db: Kysely<DB>, p: Placeholders<P>) => Compilable<R>
  /**
   * By the database's dialect adapter: one per `Kysely` instance, shared by its
   * transactions (whose executors are copies), and telling one dialect from another.
   */
  readonly #compiled = new WeakMap<DialectAdapter, Compiled[]>()

  constructor(build: (db: Kysely<DB>, p: Placeholders<P>) => Compilable<R>) {
    this.#build = build
  }

  /**
   * Runs the query with `params` on `db` (a database or a transaction): `db.executeQuery`'s
   * result. A value missing or one too many rejects, as a builder's query would, before anything runs.
   */
  execute(db: Kysely<DB>, params: P): Promise<QueryResult<R>> {
    let query: CompiledQuery<R>
    try {
      query = this.#bind(this.#compiledFor(db), params)
    } catch (error) {
      return Promise.reject(error)
    }
    return db.executeQuery(query)
  }

  /** The first row, if any. */
  async executeTakeFirst(db: Kysely<DB>, params: P): Promise<R | undefined> {
    const { rows } = await this.execute(db, params)
    return rows[0]
  }

  /** The first row; Kysely's `NoResultError` if there is none, as `executeTakeFirstOrThrow` does. */
  async executeTakeFirstOrThrow(db: Kysely<DB>, params: P): Promise<R> {
    const { rows } = await this.execute(db, params)
    const [row] = rows
    if (row !== undefined) return row
    const { query } = this.#compiledFor(db)
    throw QueryNode.is(query) ? new NoResultError(query) : new PreparedQueryError('the query returned no row')
  }

  /** The SQL it runs on `db`, with `?` where the values go: for tests and logs. */
  sql(db: Kysely<DB>): string {
    return this.#compiledFor(db).sql
  }

  #bind(compiled: Compiled, params: P): CompiledQuery<R> {
    const { slots, constants } = compiled
    const parameters = new Array<unknown>(slots.length)
    for (let i = 0; i < slots.length; i++) {
      const name = slots[i]
      if (name === undefined) {
        parameters[i] = constants[i]
      } else {
        const value = params[name]
        if (value === undefined) throw new PreparedQueryError(`missing the value of "${name}"`)
        parameters[i] = value
      }
    }
    if (Object.keys(params).length !== compiled.names) this.#unexpected(compiled, params)
    return { query: compiled.query, queryId: compiled.queryId, sql: compiled.sql, parameters }
  }

  #compiledFor(db: Kysely<DB>): Compiled {
    // getExecutor() is marked internal in Kysely's typings, but it is how Kysely itself
    // reaches the dialect and the plugins; test/db/prepared-query.test.ts holds it to that.
    const { adapter, plugins } = db.getExecutor()
    let forAdapter = this.#compiled.get(adapter)
    if (forAdapter === undefined) {
      forAdapter = []
      this.#compiled.set(adapter, forAdapter)
    }
    for (const compiled of forAdapter) if (samePlugins(compiled.plugins, plugins)) return compiled
    const compiled = this.#compile(db, plugins)
    forAdapter.push(compiled)
    return compiled
  }

  #compile(db: Kysely<DB>, plugins: readonly KyselyPlugin[]): Compiled {
    const placed: Placeholder[] = []
    const p = <K extends keyof P & string>(name: K): P[K] => {
      const placeholder = new Placeholder(name)
      placed.push(placeholder)
      // The builder sees the parameter's type; compiling below finds the placeholder again.
      return placeholder as unknown as P[K]
    }
    const { query, queryId, sql, parameters } = this.#build(db, p).compile()

    const found = new Set<Placeholder>()
    const slots: (string | undefined)[] = []
    const constants: unknown[] = []
    for (const value of parameters) {
      if (value instanceof Placeholder) {
        if (!placed.includes(value)) {
          throw new PreparedQueryError(`a placeholder for "${value.parameter}" from another prepared query was used here`)
        }
        if (found.has(value)) throw new PreparedQueryError(`the placeholder for "${value.parameter}" was bound twice`)
        found.add(value)
        slots.push(value.parameter)
        constants.push(undefined)
      } else {
        slots.push(undefined)
        constants.push(value)
      }
    }
    for (const placeholder of placed) {
      if (!found.has(placeholder)) {
        throw new PreparedQueryError(
          `the placeholder for "${placeholder.parameter}" is not a parameter of the compiled query: ` +
            'was it inspected while building (a condition, a list) rather than passed as a value?',
        )
      }
    }
    const names = new Set(placed.map((placeholder) => placeholder.parameter)).size
    return { plugins: [...plugins], query, queryId, sql, slots, constants, names }
  }

  #unexpected(compiled: Compiled, params: P): never {
    const known = new Set(compiled.slots)
    const extra = Object.keys(params).filter((name) => !known.has(name))
    throw new PreparedQueryError(`the query takes no value named ${extra.map((name) => `"${name}"`).join(', ')}`)
  }
}

/**
 * Prepares a query of fixed shape: `build` runs once per database (really, per dialect
 * and list of plugins), with `p('name')` wherever a value goes; name the parameters and
 * their types on `p`'s annotation.
 */
export function prepareQuery<P extends QueryParameters, R, DB = DatabaseSchema>(build: (db: Kysely<DB>, p: Placeholders<P>) => Compilable<R>): PreparedQuery<P, R, DB> {
  return new PreparedQuery(build)
}

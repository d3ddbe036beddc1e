/**
 * A third-party generator makes a clean SDK of openapi.yaml: @hey-api/openapi-ts (with
 * its fetch client) generates into a temporary directory without a warning; the SDK,
 * plus a client's usage of it, type-checks under strict settings; every schema comes out
 * as a same-named type, no type gets a made-up name, and there is one SDK function per
 * operationId, named after it. Then the usage runs against a live server: register, get
 * a token, and create, read, delete and read again (404) a task, a goal and an expense,
 * every response held to the spec.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createClient } from '@hey-api/openapi-ts'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startTestServer, type TestServer } from '../support/server.js'

const root = join(import.meta.dirname, '../..')

/** What a client of the generated SDK writes: type-checked with it, then run. */
const USAGE = `
import { createClient, createConfig } from './client/index.js'
import {
  createExpense, createGoal, createTask, createToken, createUser,
  deleteGoal, deleteTask, deleteTransaction, getGoal, getTask, getTransaction,
} from './sdk.gen.js'
import type {
  ExpenseWrite, Goal, GoalCreate, Problem, Task, TaskWrite, Token, Transaction, User, UserRegistrationWritable,
} from './types.gen.js'

export interface Step {
  readonly name: string
  readonly status: number
  readonly body: unknown
}

type Outcome<T> = ({ data: T; error: undefined } | { data: undefined; error: Problem }) & { response: Response }

export async function scenario(baseUrl: string, fetch: typeof globalThis.fetch): Promise<Step[]> {
  const steps: Step[] = []
  function step<T>(name: string, outcome: Outcome<T>): T | undefined {
    steps.push({ name, status: outcome.response.status, body: outcome.error ?? outcome.data })
    return outcome.data
  }
  function created<T>(name: string, outcome: Outcome<T>): T {
    const data = step(name, outcome)
    if (data === undefined) throw new Error(name + ' failed: ' + JSON.stringify(outcome.error))
    return data
  }

  const anonymous = createClient(createConfig({ baseUrl, fetch }))
  const registration: UserRegistrationWritable = { username: 'hey-api', email: 'hey-api@example.com', password: 'generated-sdk-pw' }
  const user: User = created('createUser', await createUser({ client: anonymous, body: registration }))
  const token: Token = created('createToken', await createToken({ client: anonymous, auth: user.username + ':' + registration.password }))
  const client = createClient(createConfig({ baseUrl, fetch, auth: (auth) => (auth.scheme === 'bearer' ? token.token : undefined) }))

  const taskWrite: TaskWrite = { title: 'Generate an SDK', description: 'with @hey-api/openapi-ts' }
  const task: Task = created('createTask', await createTask({ client, body: taskWrite }))
  step('getTask', await getTask({ client, path: { taskId: task.id } }))
  step('deleteTask', await deleteTask({ client, path: { taskId: task.id } }))
  step('getTask', await getTask({ client, path: { taskId: task.id } }))

  const goalCreate: GoalCreate = { name: 'Ship a clean SDK', parent_id: null }
  const goal: Goal = created('createGoal', await createGoal({ client, body: goalCreate }))
  step('getGoal', await getGoal({ client, path: { goalId: goal.id } }))
  step('deleteGoal', await deleteGoal({ client, path: { goalId: goal.id } }))
  step('getGoal', await getGoal({ client, path: { goalId: goal.id } }))

  const expenseWrite: ExpenseWrite = { description: 'Coffee', amount: 3.45 }
  const expense: Transaction = created('createExpense', await createExpense({ client, body: expenseWrite }))
  step('getTransaction', await getTransaction({ client, path: { transactionId: expense.id } }))
  step('deleteTransaction', await deleteTransaction({ client, path: { transactionId: expense.id } }))
  step('getTransaction', await getTransaction({ client, path: { transactionId: expense.id } }))
  return steps
}

/** Never run: each statement must be a type error, or the SDK's types are too loose to help. */
export async function misuses(client: ReturnType<typeof createClient>): Promise<void> {
  // @ts-expect-error a task needs a title
  await createTask({ client, body: { description: 'untitled' } })
  // @ts-expect-error a misspelt field
  await createTask({ client, body: { title: 'Typo', titel: 'Typo' } })
  // @ts-expect-error ids are integers
  await getTask({ client, path: { taskId: 'one' } })
  // @ts-expect-error the path parameter is required
  await getGoal({ client })
  const read = await getTransaction({ client, path: { transactionId: 1 } })
  // @ts-expect-error data is undefined until the error is ruled out
  read.data.amount.toFixed(2)
  if (read.error) {
    // @ts-expect-error a problem's code is one of a closed list
    const code: 'NO_SUCH_CODE' = read.error.code
    void code
  }
}
`

/** The repository's own compiler settings (tsconfig.json), emitting ES modules. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  types: [],
}

interface Step {
  readonly name: string
  readonly status: number
  readonly body: unknown
}
type Scenario = (baseUrl: string, fetch: typeof globalThis.fetch) => Promise<Step[]>

interface Exported {
  readonly name: string
  readonly isType: boolean
  readonly isFunction: boolean
}

let dir: string
let server: TestServer
const generatorSaid: string[] = []
let diagnostics: string[] = []
let types: Exported[] = []
let sdk: Exported[] = []

const contract = () => server.api.contract
const spec = () => contract().document as { components: Record<string, Record<string, unknown> | undefined> }

function exportsOf(program: ts.Program, file: string): Exported[] {
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  const module = source && checker.getSymbolAtLocation(source)
  if (!module) throw new Error(`no module ${file}`)
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    const isValue = (target.flags & ts.SymbolFlags.Value) !== 0
    return {
      name: symbol.name,
      isType: (target.flags & ts.SymbolFlags.Type) !== 0,
      isFunction: isValue && checker.getTypeOfSymbol(target).getCallSignatures().length > 0,
    }
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'achiever-hey-api-'))
  const out = join(dir, 'sdk')
  server = await startTestServer()

  // Its progress goes to console.log; its complaints to console.warn and console.error.
  const said = (...args: unknown[]) => void generatorSaid.push(args.map(String).join(' '))
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    const line = args.map(String).join(' ')
    if (/warn|error|❗|🚨/i.test(line)) said(line)
  })
  const warn = vi.spyOn(console, 'warn').mockImplementation(said)
  const error = vi.spyOn(console, 'error').mockImplementation(said)
  try {
    await createClient({
      input: join(root, 'openapi.yaml'),
      output: { path: out },
      plugins: ['@hey-api/typescript', '@hey-api/sdk', '@hey-api/client-fetch'],
      logs: { level: 'warn', file: false },
      interactive: false,
    })
  } finally {
    log.mockRestore()
    warn.mockRestore()
    error.mockRestore()
  }

  // ES modules, as the emitted JavaScript is imported below.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }))
  writeFileSync(join(out, 'usage.ts'), USAGE)
  const program = ts.createProgram([join(out, 'index.ts'), join(out, 'usage.ts')], { ...COMPILER_OPTIONS, outDir: join(dir, 'js') })
  diagnostics = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.formatDiagnostic(d, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' }).trim())
  const emitted = program.emit()
  if (emitted.emitSkipped) throw new Error('tsc emitted nothing')
  types = exportsOf(program, join(out, 'types.gen.ts'))
  sdk = exportsOf(program, join(out, 'sdk.gen.ts'))
}, 45_000)

afterAll(async () => {
  await server?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('@hey-api/openapi-ts on openapi.yaml', () => {
  it('generates without a warning', () => {
    expect(generatorSaid).toEqual([])
  })

  it('type-checks, strict, together with a client’s usage', () => {
    expect(diagnostics).toEqual([])
  })

  it('exports a same-named type for every schema in components.schemas', () => {
    const exported = new Set(types.filter((t) => t.isType).map((t) => t.name))
    const schemas = Object.keys(spec().components.schemas ?? {})
    expect(schemas.length).toBeGreaterThan(0)
    expect(schemas.filter((name) => !exported.has(name))).toEqual([])
  })

  it('names every type after the spec: no made-up names', () => {
    const components = spec().components
    const named = new Set(['schemas', 'parameters', 'requestBodies', 'responses', 'headers'].flatMap((kind) => Object.keys(components[kind] ?? {})))
    const allowed = new Set([
      'ClientOptions',
      ...named,
      // readOnly/writeOnly properties make a schema's request variant.
      ...Object.keys(components.schemas ?? {}).map((name) => `${name}Writable`),
      ...contract()
        .operations()
        .flatMap(({ operationId }) => {
          const base = operationId.charAt(0).toUpperCase() + operationId.slice(1)
          return ['Data', 'Error', 'Errors', 'Response', 'Responses'].map((suffix) => base + suffix)
        }),
    ])
    const names = types.map((t) => t.name)
    expect(names.length).toBeGreaterThan(0)
    expect(
      names.filter((name) => !allowed.has(name)),
      'types named by the generator rather than the spec',
    ).toEqual([])
    const anonymousLooking = /^(Type|Inline|Anonymous|Schema|Object|Unknown)\d*$|^Inline|\d+$/
    expect(names.filter((name) => anonymousLooking.test(name) && !named.has(name))).toEqual([])
  })

  it('has one SDK function per operation, named by its operationId', () => {
    const functions = sdk.filter((e) => e.isFunction).map((e) => e.name)
    const operationIds = contract()
      .operations()
      .map((op) => op.operationId)
    expect(new Set(operationIds).size, 'operationIds are unique').toBe(operationIds.length)
    expect([...functions].sort()).toEqual([...operationIds].sort())
  })

  it('creates, reads and deletes a task, a goal and an expense on a live server', async () => {
    const answered: Array<string | undefined> = []
    const violations: string[] = []
    const checkedFetch: typeof fetch = async (input, init) => {
      const request = new Request(input, init)
      const response = await fetch(request)
      const text = await response.clone().text()
      try {
        const match = contract().check({ method: request.method, path: new URL(request.url).pathname, status: response.status, headers: response.headers, text })
        answered.push(match?.operationId)
      } catch (error) {
        violations.push(error instanceof Error ? error.message : String(error))
      }
      return response
    }

    const module: Record<string, unknown> = await import(pathToFileURL(join(dir, 'js', 'usage.js')).href)
    if (typeof module.scenario !== 'function') throw new Error('usage.js exports no scenario()')
    const steps = await (module.scenario as Scenario)(server.baseUrl, checkedFetch)

    expect(violations).toEqual([])
    // Each SDK function reached the operation it is named after.
    expect(answered).toEqual(steps.map((s) => s.name))
    expect(steps.map((s) => `${s.name} ${s.status}`)).toEqual([
      'createUser 201',
      'createToken 201',
      'createTask 201',
      'getTask 200',
      'deleteTask 204',
      'getTask 404',
      'createGoal 201',
      'getGoal 200',
      'deleteGoal 204',
      'getGoal 404',
      'createExpense 201',
      'getTransaction 200',
      'deleteTransaction 204',
      'getTransaction 404',
    ])
    const [, , task, taskRead, , taskGone, goal, goalRead, , goalGone, expense, expenseRead, , expenseGone] = steps.map((s) => s.body)
    expect(task).toMatchObject({ title: 'Generate an SDK', description: 'with @hey-api/openapi-ts', done: false })
    expect(taskRead).toEqual(task)
    expect(goal).toMatchObject({ name: 'Ship a clean SDK', parent_id: null })
    expect(goalRead).toEqual(goal)
    expect(expense).toMatchObject({ type: 'expense', description: 'Coffee', amount: -3.45 })
    expect(expenseRead).toEqual(expense)
    for (const gone of [taskGone, goalGone, expenseGone]) expect(gone).toMatchObject({ status: 404, code: 'NOT_FOUND' })
  }, 15_000)
})

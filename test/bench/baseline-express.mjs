/**
 * The yardstick of issue 10: what a plain Express 5 app does for the same requests,
 * with no contract stack. `npm run bench` runs it beside `node dist/server.js` on the
 * same SQLite file and divides the service's figures by its figures.
 *
 * It does the same work per request as the service, and nothing the service does not:
 * the Bearer token looked up by its SHA-256 (unexpired, joined to its user), the row
 * read or written with the same pragmas (WAL, synchronous=FULL), the same JSON
 * resource built, byte for byte (the runner checks that before it measures). What it
 * leaves out is the point of the comparison: no request validation, no logging, no
 * problem+json errors, no response schema. It is plain JavaScript on purpose, so its
 * start-up time is node's and Express's, not a TypeScript loader's.
 *
 * Environment: DATABASE_URL (a SQLite file path, already migrated and seeded) and PORT.
 */
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import express from 'express'

const db = new Database(process.env.DATABASE_URL ?? 'data/achiever.sqlite')
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
db.pragma('foreign_keys = ON')
db.pragma('busy_timeout = 5000')

const findToken = db.prepare(
  'select users.id as userId from tokens inner join users on users.id = tokens.user_id where tokens.token_hash = ? and tokens.expires_at > ?',
)
const selectTask = db.prepare('select * from tasks where user_id = ? and id = ?')
const insertTask = db.prepare('insert into tasks (user_id, title, description, done, created_at, updated_at) values (?, ?, ?, ?, ?, ?) returning *')
/** One prepared update per set of changed columns, as a hand-written app would keep them. */
const updates = new Map()
function updateStatement(columns) {
  const key = columns.join(',')
  let statement = updates.get(key)
  if (!statement) {
    const sets = [...columns, 'updated_at'].map((column) => `${column} = ?`).join(', ')
    statement = db.prepare(`update tasks set ${sets} where user_id = ? and id = ? returning *`)
    updates.set(key, statement)
  }
  return statement
}

/** The service's Task resource, with its fields in the same order. */
function toTask(row, baseUrl) {
  return {
    id: row.id,
    uri: `${baseUrl}/api/v1/tasks/${row.id}`,
    title: row.title,
    description: row.description,
    done: row.done === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

/** Form fields arrive as strings; `done` is the only non-string field of a task. */
function fields(body) {
  const { title, description, done } = body ?? {}
  return { title, description, done: typeof done === 'string' ? done === 'true' : done }
}

const app = express()
app.disable('x-powered-by')
app.use(express.json({ type: ['application/json', 'application/merge-patch+json'] }))
app.use(express.urlencoded({ extended: false }))

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' })
})

app.use('/api', (req, res, next) => {
  const [scheme, ...rest] = (req.headers.authorization ?? '').trim().split(/\s+/)
  const secret = scheme?.toLowerCase() === 'bearer' ? rest.join(' ') : ''
  const hash = createHash('sha256').update(secret).digest('hex')
  const token = secret ? findToken.get(hash, new Date().toISOString()) : undefined
  if (!token) {
    res.status(401).json({ status: 401 })
    return
  }
  res.locals.userId = token.userId
  res.locals.baseUrl = `${req.protocol}://${req.get('host')}`
  next()
})

app.get('/api/v1/tasks/:taskId', (req, res) => {
  const row = selectTask.get(res.locals.userId, Number(req.params.taskId))
  if (!row) {
    res.status(404).json({ status: 404 })
    return
  }
  res.json(toTask(row, res.locals.baseUrl))
})

app.post('/api/v1/tasks', (req, res) => {
  const { title, description = '', done = false } = fields(req.body)
  const now = new Date().toISOString()
  const row = insertTask.get(res.locals.userId, title, description, done ? 1 : 0, now, now)
  const task = toTask(row, res.locals.baseUrl)
  res.status(201).location(task.uri).json(task)
})

app.patch('/api/v1/tasks/:taskId', (req, res) => {
  const changes = Object.entries(fields(req.body)).filter(([, value]) => value !== undefined)
  const values = changes.map(([column, value]) => (column === 'done' ? (value ? 1 : 0) : value))
  const columns = changes.map(([column]) => column)
  const id = Number(req.params.taskId)
  // Like the service, an empty patch changes nothing, not even updated_at.
  const row = columns.length === 0 ? selectTask.get(res.locals.userId, id) : updateStatement(columns).get(...values, new Date().toISOString(), res.locals.userId, id)
  if (!row) {
    res.status(404).json({ status: 404 })
    return
  }
  res.json(toTask(row, res.locals.baseUrl))
})

const server = app.listen(Number(process.env.PORT ?? 3001))
process.once('SIGTERM', () => {
  server.close(() => {
    db.close()
    process.exit(0)
  })
  server.closeAllConnections()
})

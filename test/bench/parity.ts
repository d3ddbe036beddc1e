/**
 * Before anything is timed, two servers (the service and the baseline; the service on
 * SQLite and on PostgreSQL) answer each side-by-side request once, with the same Host
 * header, and the answers must agree: the same status, Content-Type and
 * body bytes (after masking a new id and the clock), and for a create a Location equal
 * to the new resource's `uri`. A baseline that did less work, or different work, would
 * make every ratio a lie, so a mismatch stops the run.
 */
import type { SideBySideCase } from './cases.js'
import { type Answer, send } from './http.js'

/** Any sane host name will do; it must only be the same for both. */
const HOST = 'localhost:3000'

function describe(answer: Answer): string {
  return `${answer.status} ${String(answer.headers['content-type'])} ${answer.text.slice(0, 300)}`
}

function locationProblem(answer: Answer): string | undefined {
  if (answer.status !== 201) return undefined
  const uri = (JSON.parse(answer.text) as { uri?: unknown }).uri
  return answer.headers.location === uri ? undefined : `Location ${String(answer.headers.location)} is not the uri ${String(uri)}`
}

/** A server whose answers are compared, and how the messages name it. */
export interface ParityServer {
  readonly label: string
  readonly port: number
}

/** `checked` must answer each case with its expected status, and as `reference` answers it. */
export async function checkParity(cases: readonly SideBySideCase[], checked: ParityServer, reference: ParityServer): Promise<void> {
  const problems: string[] = []
  const width = Math.max(checked.label.length, reference.label.length) + 2
  for (const c of cases) {
    const exchange = { method: c.method, path: c.paths[0] ?? '/', headers: { ...c.headers, host: HOST }, ...(c.body ? { body: c.body } : {}) }
    const answer = await send(checked.port, exchange)
    const expected = await send(reference.port, exchange)
    const differences = [
      answer.status !== c.status ? `${checked.label} answered ${answer.status}, not ${c.status}` : undefined,
      answer.status !== expected.status ? 'the statuses differ' : undefined,
      answer.headers['content-type'] !== expected.headers['content-type'] ? 'the Content-Types differ' : undefined,
      c.mask(answer.text) !== c.mask(expected.text) ? 'the bodies differ' : undefined,
      locationProblem(answer),
      locationProblem(expected),
    ].filter((difference): difference is string => difference !== undefined)
    if (differences.length > 0) {
      problems.push(
        `${c.name}: ${differences.join('; ')}\n  ${`${checked.label}:`.padEnd(width)}${describe(answer)}\n  ${`${reference.label}:`.padEnd(width)}${describe(expected)}`,
      )
    }
  }
  if (problems.length > 0) throw new Error(`The two servers do not answer alike, so their figures cannot be compared:\n${problems.join('\n')}`)
}

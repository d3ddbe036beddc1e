/**
 * Before anything is timed, both servers answer each side-by-side request once, with
 * the same Host header, and the answers must agree: the same status, Content-Type and
 * body bytes (after masking a new id and the clock), and for a create a Location equal
 * to the new resource's `uri`. A baseline that did less work, or different work, would
 * make every ratio a lie, so a mismatch stops the run.
 */
import type { SideBySideCase } from './cases.js'
import { type Answer, send } from './http.js'
import type { ServerKind } from './servers.js'

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

export async function checkParity(cases: readonly SideBySideCase[], ports: Readonly<Record<ServerKind, number>>): Promise<void> {
  const problems: string[] = []
  for (const c of cases) {
    const exchange = { method: c.method, path: c.paths[0] ?? '/', headers: { ...c.headers, host: HOST }, ...(c.body ? { body: c.body } : {}) }
    const service = await send(ports.service, exchange)
    const baseline = await send(ports.baseline, exchange)
    const differences = [
      service.status !== c.status ? `the service answered ${service.status}, not ${c.status}` : undefined,
      service.status !== baseline.status ? 'the statuses differ' : undefined,
      service.headers['content-type'] !== baseline.headers['content-type'] ? 'the Content-Types differ' : undefined,
      c.mask(service.text) !== c.mask(baseline.text) ? 'the bodies differ' : undefined,
      locationProblem(service),
      locationProblem(baseline),
    ].filter((difference): difference is string => difference !== undefined)
    if (differences.length > 0) {
      problems.push(`${c.name}: ${differences.join('; ')}\n  service:  ${describe(service)}\n  baseline: ${describe(baseline)}`)
    }
  }
  if (problems.length > 0) throw new Error(`The two servers do not answer alike, so their figures cannot be compared:\n${problems.join('\n')}`)
}

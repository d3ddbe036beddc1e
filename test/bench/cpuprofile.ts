/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and says where the time went,
 * as Markdown: the functions with the most self time, and the packages and service
 * modules by self time and by time on the stack ("inclusive": a package's own code and
 * everything it called). A time window picks out one phase, such as the load, from a
 * profile that also holds start-up and shutdown.
 */

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  /** Microseconds, on V8's monotonic clock. */
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Microseconds from the profile's start. */
export interface Window {
  readonly fromUs: number
  readonly toUs: number
}

export interface Share {
  readonly name: string
  readonly ms: number
  /** Of the busy (non-idle) time in the window. */
  readonly percent: number
}

export interface ProfileSummary {
  readonly windowMs: number
  readonly idleMs: number
  readonly busyMs: number
  readonly functions: readonly Share[]
  readonly modulesSelf: readonly Share[]
  readonly modulesInclusive: readonly Share[]
}

const SPECIAL = new Set(['(garbage collector)', '(idle)', '(program)', '(root)'])

/** Where a function lives: a package, a file of the service, a part of node, or V8. */
function moduleOf(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName) && frame.url === '') return frame.functionName
  const url = frame.url
  if (url === '') return '(V8 builtins and native code)'
  if (url.startsWith('node:')) {
    const path = url.slice('node:'.length).replace(/^internal\//, '')
    return `node:${path.split('/')[0]?.replace(/^_/, '') ?? path}`
  }
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url)
  if (packaged) return packaged[1] ?? url
  const service = /\/(dist|src|test)\/(.+)$/.exec(url)
  if (service) return `service ${service[1]}/${service[2]}`
  return url
}

function functionKey(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)'
  if (frame.url === '') return name
  const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/')
  return `${name} (${file}:${frame.lineNumber + 1})`
}

function ranked(totals: Map<string, number>, busyUs: number, limit: number): Share[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / busyUs }))
}

function add(totals: Map<string, number>, key: string, us: number): void {
  totals.set(key, (totals.get(key) ?? 0) + us)
}

export function summarize(profile: CpuProfile, window?: Window, limit = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)

  const selfByFunction = new Map<string, number>()
  const selfByModule = new Map<string, number>()
  const inclusiveByModule = new Map<string, number>()
  let windowUs = 0
  let idleUs = 0
  let at = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    at += us
    if (window && (at < window.fromUs || at > window.toUs)) return
    const node = byId.get(id)
    if (!node) return
    windowUs += us
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us
      return
    }
    add(selfByFunction, functionKey(node.callFrame), us)
    add(selfByModule, moduleOf(node.callFrame), us)
    // Each module once per sample, however often it recurs on the stack.
    const onStack = new Set<string>()
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const frame = byId.get(current)?.callFrame
      if (frame && frame.functionName !== '(root)') onStack.add(moduleOf(frame))
    }
    for (const name of onStack) add(inclusiveByModule, name, us)
  })
  const busyUs = Math.max(1, windowUs - idleUs)
  return {
    windowMs: windowUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    functions: ranked(selfByFunction, busyUs, limit),
    modulesSelf: ranked(selfByModule, busyUs, limit),
    modulesInclusive: ranked(inclusiveByModule, busyUs, limit),
  }
}

function shareTable(title: string, shares: readonly Share[]): string {
  const rows = shares.map((s) => `| ${s.name.replaceAll('|', '\\|')} | ${s.ms.toFixed(0)} | ${s.percent.toFixed(1)}% |`)
  return [`| ${title} | ms | % of busy |`, '| --- | --- | --- |', ...rows].join('\n')
}

export function renderSummary(heading: string, summary: ProfileSummary): string {
  return [
    `## ${heading}`,
    '',
    `Window ${(summary.windowMs / 1000).toFixed(1)} s: busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s.`,
    '',
    '### Packages and service modules by self time',
    '',
    shareTable('module', summary.modulesSelf),
    '',
    '### Packages and service modules by time on the stack (inclusive)',
    '',
    shareTable('module', summary.modulesInclusive),
    '',
    '### Functions by self time',
    '',
    shareTable('function', summary.functions),
  ].join('\n')
}

/**
 * `npm run lint:deps`: "no folder imports a folder that imports it back", checked on the
 * imports themselves. Each top folder of src/ (src/http, src/db, ...) is one node; each
 * file directly in src/ is a node of its own, since those are a mix of composition
 * (app.ts, server.ts) and small shared modules (errors.ts, timestamps.ts) that must not
 * be lumped together. Type-only imports count: a type is a dependency of the design even
 * when it compiles away. Exits 1 and prints every cycle, with the imports that make it.
 *
 * Run it on another tree with `tsx test/architecture/folder-cycles.ts path/to/src`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/**
 * Files directly in src/ that sit at the top: they may import anything, and only other
 * top files may import them. Add a file here once nothing below imports it any more.
 */
const TOP_FILES = new Set(['app.ts', 'server.ts', 'create-deps.ts', 'handlers.ts'])

/** One import of one file by another, both under the checked root. */
interface FileImport {
  readonly from: string
  readonly to: string
  readonly typeOnly: boolean
}

/** The node a file belongs to: its top folder, or the file itself when it is directly in the root. */
function nodeOf(file: string): string {
  const [first, ...rest] = file.split(sep)
  return rest.length === 0 ? (first ?? file) : `${first}/`
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.d.mts'))
    .map((entry) => join(entry.parentPath, entry.name))
}

/** Every relative module specifier in a file: import and export declarations, `import()` and `import('x').T`. */
function specifiersOf(path: string): Array<{ specifier: string; typeOnly: boolean }> {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false)
  const found: Array<{ specifier: string; typeOnly: boolean }> = []
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause
      const typeOnly = clause !== undefined && (clause.isTypeOnly || allTypeOnly(clause))
      found.push({ specifier: node.moduleSpecifier.text, typeOnly })
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly })
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments
      if (argument && ts.isStringLiteral(argument)) found.push({ specifier: argument.text, typeOnly: false })
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found.filter(({ specifier }) => specifier.startsWith('.'))
}

/** `import { type A, type B } from` imports only types, like `import type`. */
function allTypeOnly(clause: ts.ImportClause): boolean {
  const bindings = clause.namedBindings
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  )
}

/** The imports between files under `root`, paths relative to it (`.js` specifiers name `.ts` files). */
export function fileImports(root: string): FileImport[] {
  const imports: FileImport[] = []
  for (const path of sourceFiles(root)) {
    for (const { specifier, typeOnly } of specifiersOf(path)) {
      const target = relative(root, resolve(dirname(path), specifier)).replace(/\.(m?)js$/, '.$1ts')
      if (target.startsWith('..')) continue
      imports.push({ from: relative(root, path), to: target, typeOnly })
    }
  }
  return imports
}

/** Strongly connected components with more than one node (Tarjan): each is a set of folders that reach each other. */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  const connect = (node: string): void => {
    index.set(node, index.size)
    low.set(node, index.get(node) ?? 0)
    stack.push(node)
    onStack.add(node)
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next)
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0))
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = []
      let member: string | undefined
      do {
        member = stack.pop()
        if (member === undefined) break
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1) components.push(component.sort())
    }
  }
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) connect(node)
  return components
}

/** What is wrong with the folder graph of `root`, one finding per entry; empty when it is one-way. */
export function folderFindings(root: string): string[] {
  const imports = fileImports(root)
  const between = new Map<string, FileImport[]>()
  const edges = new Map<string, Set<string>>()
  for (const entry of imports) {
    const from = nodeOf(entry.from)
    const to = nodeOf(entry.to)
    if (from === to) continue
    const key = `${from} -> ${to}`
    between.set(key, [...(between.get(key) ?? []), entry])
    edges.set(from, (edges.get(from) ?? new Set()).add(to))
    if (!edges.has(to)) edges.set(to, new Set())
  }

  const findings: string[] = []
  const describe = (key: string): string[] => {
    const via = between.get(key) ?? []
    const types = via.every((entry) => entry.typeOnly) ? ', types only' : ''
    const shown = via.slice(0, 3).map((entry) => `      ${entry.from} imports ${entry.to}${entry.typeOnly ? ' (type)' : ''}`)
    const more = via.length > shown.length ? [`      ... and ${via.length - shown.length} more`] : []
    return [`  ${key} (${via.length} import${via.length === 1 ? '' : 's'}${types})`, ...shown, ...more]
  }
  for (const component of cycles(edges)) {
    const members = new Set(component)
    const inside = [...between.keys()].filter((key) => key.split(' -> ').every((node) => members.has(node))).sort()
    const mutual = inside.filter((key) => between.has(key.split(' -> ').reverse().join(' -> ')))
    const oneWay = inside.filter((key) => !mutual.includes(key))
    findings.push(
      [
        `cycle among ${component.join(', ')}`,
        ...(mutual.length > 0 ? ['  each imports the other:', ...mutual.flatMap(describe)] : []),
        ...(oneWay.length > 0 ? ['  and these imports close longer loops:', ...oneWay.flatMap(describe)] : []),
      ].join('\n'),
    )
  }
  for (const entry of imports) {
    if (TOP_FILES.has(entry.to) && !TOP_FILES.has(entry.from)) findings.push(`${entry.from} imports ${entry.to}, which only top files may import`)
  }
  return findings
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('../../src', import.meta.url)))
  const findings = folderFindings(root)
  if (findings.length === 0) {
    console.log(`The folders of ${relative(process.cwd(), root) || '.'} depend one way.`)
  } else {
    console.error(findings.join('\n\n'))
    console.error(`\n${findings.length} finding(s): a folder must not import a folder that imports it back.`)
    process.exitCode = 1
  }
}

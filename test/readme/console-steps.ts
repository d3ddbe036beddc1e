/**
 * The steps of the README's ```console blocks, in the order a reader meets them: each
 * `$ ` command (with its `\` continuation lines joined) and the output shown under it.
 * The walk-through test runs them one after the other, as a reader would paste them.
 */

export interface ConsoleStep {
  /** 1-based line of the `$ ` in README.md, for failure messages. */
  readonly line: number
  /** The command as one line, without the `$ ` prompt. */
  readonly command: string
  /** What the README shows it printing, with surrounding blank lines dropped ('' for nothing). */
  readonly shown: string
}

const FENCE_OPEN = /^```console\s*$/
const FENCE_CLOSE = /^```\s*$/

export function consoleSteps(markdown: string): ConsoleStep[] {
  const steps: ConsoleStep[] = []
  const lines = markdown.split('\n')
  let inBlock = false
  let current: { line: number; command: string; shown: string[] } | undefined
  const finish = (): void => {
    if (current) steps.push({ line: current.line, command: current.command, shown: current.shown.join('\n').trim() })
    current = undefined
  }
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] ?? ''
    if (!inBlock) {
      inBlock = FENCE_OPEN.test(text)
      continue
    }
    if (FENCE_CLOSE.test(text)) {
      finish()
      inBlock = false
    } else if (text.startsWith('$ ')) {
      finish()
      let command = text.slice(2)
      const line = index + 1
      // A trailing backslash continues the command on the next line, as in a shell.
      while (command.endsWith('\\') && index + 1 < lines.length) command = `${command.slice(0, -1).trimEnd()} ${(lines[++index] ?? '').trim()}`
      current = { line, command, shown: [] }
    } else if (current) {
      current.shown.push(text)
    } else if (text.trim() !== '') {
      throw new Error(`README.md:${index + 1}: output before any command in a console block`)
    }
  }
  if (inBlock) throw new Error('README.md: a ```console block is not closed')
  return steps
}

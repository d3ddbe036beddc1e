/** Types of ensure-built.mjs (plain JavaScript: it runs before anything is compiled). */
export interface Output {
  /** The file the build writes, from the root. */
  readonly output: string
  /** The npm script that builds it. */
  readonly script: string
  /** Files and directories (from the root) it is built from. */
  readonly sources: readonly string[]
}

export interface StaleOutput {
  readonly script: string
  readonly reason: string
}

export declare const OUTPUTS: readonly Output[]
export declare function staleOutputs(root: string, outputs?: readonly Output[]): StaleOutput[]
export declare function ensureBuilt(root: string, log: (line: string) => void): void

/**
 * How the reports write figures and tables, in one place so that every section of
 * RESULTS.md writes a rate, a latency or a ratio the same way.
 */

export const integer = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en') : 'n/a')
export const ms = (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms` : 'n/a')
export const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a')
export const verdict = (ok: boolean) => (ok ? 'pass' : '**FAIL**')

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

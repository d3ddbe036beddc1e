/**
 * The rows of the first table under a Markdown heading, as cells of plain text, so a
 * test can hold a README table to what the code does.
 */

export function tableUnder(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n')
  const start = lines.findIndex((line) => line.trim() === heading)
  if (start === -1) throw new Error(`no heading ${JSON.stringify(heading)}`)
  const rows: string[][] = []
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,6} /.test(line)) break
    if (!line.startsWith('|')) {
      if (rows.length > 0) break
      continue
    }
    rows.push(
      line
        .replace(/^\|/, '')
        .replace(/\|\s*$/, '')
        .split('|')
        .map((cell) => cell.trim()),
    )
  }
  if (rows.length < 2) throw new Error(`no table under ${JSON.stringify(heading)}`)
  // The first row names the columns, the second is the `| --- |` rule.
  return rows.slice(2)
}

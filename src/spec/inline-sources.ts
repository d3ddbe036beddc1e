/**
 * The inline code of an HTML page as Content-Security-Policy hash sources
 * (`'sha256-…'`), so that a policy can let exactly that code run, and no injected
 * script or style, without `'unsafe-inline'`.
 *
 * The page is one that this service serves as built (the Redoc reference): a scan for
 * comments, `<script>`/`<style>` elements and start tags is enough, and a miss shows up
 * as a violation in the browser test, not as a silent hole. A `<script>` or `<style>`
 * runs to the first `</script` or `</style` (HTML raw text has no escapes), so the
 * same text in a script's strings is not mistaken for an element.
 */
import { createHash } from 'node:crypto'

export interface InlineSources {
  /** Inline `<script>` elements (classic and module), in page order. */
  readonly scripts: readonly string[]
  /** Inline `<style>` elements. */
  readonly styles: readonly string[]
  /** `style="…"` attributes in the markup; CSP allows these only with `'unsafe-hashes'`. */
  readonly styleAttributes: readonly string[]
}

const MARKUP = /<!--[\s\S]*?-->|<(script|style)\b([^>]*)>([\s\S]*?)<\/\1\s*>|<[A-Za-z][^>]*>/gi
const STYLE_ATTRIBUTE = /\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i
const SRC_ATTRIBUTE = /\ssrc\s*=/i
const NAMED_REFERENCES: Readonly<Record<string, string>> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' }

/** The CSP source that allows an inline element or attribute whose text is exactly `text`. */
export function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/**
 * An attribute value as the browser sees it, which is what CSP hashes. React (Redoc's
 * renderer) escapes with these five references and numeric ones only.
 */
function decodeAttribute(value: string): string {
  return value.replace(/&(#[xX][0-9A-Fa-f]+|#\d+|[A-Za-z]+);/g, (reference, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16))
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)))
    return NAMED_REFERENCES[name] ?? reference
  })
}

export function inlineSources(html: string): InlineSources {
  // The browser's parser turns CR LF and lone CR into LF before anything is hashed.
  const text = html.replace(/\r\n?/g, '\n')
  const scripts = new Set<string>()
  const styles = new Set<string>()
  const styleAttributes = new Set<string>()
  for (const [tag, element, attributes = '', content = ''] of text.matchAll(MARKUP)) {
    if (tag.startsWith('<!--')) continue
    if (element?.toLowerCase() === 'script') {
      if (!SRC_ATTRIBUTE.test(attributes)) scripts.add(hashSource(content))
    } else if (element?.toLowerCase() === 'style') {
      styles.add(hashSource(content))
    } else {
      const style = STYLE_ATTRIBUTE.exec(tag)
      if (style) styleAttributes.add(hashSource(decodeAttribute(style[1] ?? style[2] ?? style[3] ?? '')))
    }
  }
  return { scripts: [...scripts], styles: [...styles], styleAttributes: [...styleAttributes] }
}

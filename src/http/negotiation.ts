/**
 * `Accept` against the media types an operation offers, negotiated once per distinct
 * header and operation: a client sends the same `Accept` on every request, and parsing
 * and weighing it (Express's `req.accepts`) cost more than the check is worth each time.
 */
import type { Request } from 'express'

/** Distinct headers remembered per operation; past that the memo starts over. */
const MAX_REMEMBERED = 64

export class AcceptNegotiation {
  private readonly answers = new Map<string, boolean>()

  constructor(private readonly offered: readonly string[]) {}

  /** Whether `req` accepts one of the offered media types (no `Accept` accepts anything). */
  acceptable(req: Request): boolean {
    const header = req.headers.accept
    if (header === undefined) return true
    let answer = this.answers.get(header)
    if (answer === undefined) {
      answer = req.accepts([...this.offered]) !== false
      if (this.answers.size >= MAX_REMEMBERED) this.answers.clear()
      this.answers.set(header, answer)
    }
    return answer
  }
}

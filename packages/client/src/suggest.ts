/**
 * "Did you mean" (docs/cli.md "Errors"): the known name closest to what was typed, for a
 * mistyped command, option or contact name. Shared by the CLI (commands, options) and the node
 * (contact names), so both suggest the same way. No dependencies: the CLI loads it on every
 * failing command, so it must stay cheap.
 * @module
 */

/** Levenshtein distance with adjacent transpositions (optimal string alignment), case-folded. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  if (s === t) return 0
  let prev2: number[] = []
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const row = [i]
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        d = Math.min(d, prev2[j - 2]! + 1)
      row.push(d)
    }
    prev2 = prev
    prev = row
  }
  return prev[t.length]!
}

/**
 * The candidate closest to `input`, when it is close enough to be a likely typo: at most a third
 * of the input's length in edits (at least 1, at most 3), or a case-only difference. Ties go to
 * the candidate listed first. Undefined when nothing is close.
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  const budget = Math.min(3, Math.max(1, Math.floor(input.length / 3)))
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    if (c === input) continue
    const d = editDistance(input, c)
    if (d <= budget && d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}

/** `; did you mean 'X'?` for the closest candidate, or '' when none is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closestMatch(input, candidates)
  return match === undefined ? '' : `; did you mean '${match}'?`
}

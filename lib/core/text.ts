/**
 * Words people mistype: which valid name a mistyped one most likely meant (CLI flags and commands,
 * policy keys). Pure module.
 */

/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment), so
 * `tiemout` is one edit from `timeout`.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate a mistyped word most likely meant: the only one it abbreviates, else the nearest
 * within a third of its length (at least one edit, at most three); undefined when nothing is close.
 *
 * @example closest('tiemout', ['timeout', 'epochs']) === 'timeout'
 */
export function closest(word: string, candidates: string[]): string | undefined {
  const prefixed = candidates.filter((c) => word.length >= 2 && c.startsWith(word));
  if (prefixed.length === 1) return prefixed[0];
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const distance = editDistance(word, c);
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  return best;
}

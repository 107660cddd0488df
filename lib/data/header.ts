/**
 * Repeated names in a CSV header. Published files repeat column names more often than one would
 * hope (ProPublica's COMPAS file has `decile_score` and `priors_count` twice each), and pandas, the
 * tool most such files are checked with, reads them by renaming the repeats. Steward names them the
 * same way so that a column is called the same thing in a notebook and in a data contract.
 */

/**
 * A column whose header name was changed because an earlier field already had it.
 *
 * @example
 *   const r: RenamedColumn = { name: 'decile_score.1', header: 'decile_score', field: 40 };
 */
export interface RenamedColumn {
  /** The name the column is read under. */
  name: string;
  /** The name the header gives it. */
  header: string;
  /** 1-based position of the field in the header. */
  field: number;
}

/**
 * Makes repeated header names unique as pandas' `read_csv` does (`mangle_dupe_names` in
 * `pandas/io/common.py`, checked against pandas 3.1): the second `x` becomes `x.1`, the third `x.2`;
 * a candidate that is already a name in the header is skipped (`x, x, x.1` reads as `x, x.2, x.1`),
 * and a renamed column that repeats again gets its own suffix (`x, x.1, x.1, x` reads as
 * `x, x.1, x.1.1, x.2`). Empty names are left alone: pandas invents `Unnamed: 3` for them, which no
 * contract could refer to, so a repeated empty name stays an error for the reader to report.
 *
 * @example
 *   uniqueHeaderNames(['a', 'b', 'a']); // { names: ['a', 'b', 'a.1'], renamed: [{ name: 'a.1', header: 'a', field: 3 }] }
 */
export function uniqueHeaderNames(header: readonly string[]): { names: string[]; renamed: RenamedColumn[] } {
  const names = header.slice();
  const present = new Set(names);
  const counts = new Map<string, number>();
  const renamed: RenamedColumn[] = [];
  for (let i = 0; i < names.length; i++) {
    const original = names[i];
    if (original === '') continue;
    let name = original;
    let count = counts.get(name) ?? 0;
    if (count > 0) {
      while (count > 0) {
        counts.set(original, count + 1);
        name = `${original}.${count}`;
        // pandas tests the candidate against the header as renamed so far (its `col in names`).
        count = present.has(name) ? count + 1 : (counts.get(name) ?? 0);
      }
      names[i] = name;
      present.add(name);
      renamed.push({ name, header: original, field: i + 1 });
    }
    counts.set(name, count + 1);
  }
  return { names, renamed };
}

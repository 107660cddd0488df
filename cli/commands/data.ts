/**
 * `steward data check|profile|drift`: a model's data contract and drift against production, a
 * file's profile, and drift between any two files. The reader and drift modules load on first use.
 */
import type { ContractReport } from '../../lib/data/contract';
import type { ReadOptions } from '../../lib/data/reader';
import type { ColumnSpec } from '../../lib/data/types';
import type { DatasetProfile } from '../../lib/drift/profile';
import type { DriftReport } from '../../lib/drift/suite';
import { defineCommand, defineGroup } from '../command';

/** How files read without a model policy are split; a policy says this itself. */
const dialectFlags = {
  separator: { type: 'string', placeholder: 'char', description: 'field separator (default ",")' },
  'no-header': { type: 'boolean', description: 'the first line is data, not column names' },
} as const;

function dialect(flags: { separator?: string; noHeader: boolean }, columns?: ColumnSpec[]): ReadOptions {
  return { separator: flags.separator ?? ',', header: !flags.noHeader, trim: true, columns };
}

/** Profiles a file in one streaming pass; returns the profile, the column types it was read with and the reader's warnings. */
async function profileFile(
  file: string,
  options: ReadOptions,
  reference?: DatasetProfile,
): Promise<{ profile: DatasetProfile; columns: ColumnSpec[]; sha256: string; warnings: string[] }> {
  const [{ scanChunks }, { ProfileBuilder }] = await Promise.all([import('../../lib/data/reader'), import('../../lib/drift/profile')]);
  const builder = new ProfileBuilder(reference ? { reference } : {});
  const summary = await scanChunks(file, { ...options, reuseBuffers: true }, (chunk) => builder.add(chunk));
  return { profile: builder.finish(), columns: summary.columns, sha256: summary.sha256, warnings: summary.warnings.map((w) => w.message) };
}

function formatProfile(p: DatasetProfile): string {
  const rows = p.columns.map((c) =>
    c.kind === 'number'
      ? [c.name, c.type, String(c.count), (c.missing / Math.max(1, c.rows)).toFixed(3), c.mean.toPrecision(6), c.std.toPrecision(6), String(c.min), String(c.quantiles.values[5]), String(c.max)]
      : [c.name, c.type, String(c.count), (c.missing / Math.max(1, c.rows)).toFixed(3), `${c.categories.length} categories`, `top: ${c.categories.slice(0, 3).join(', ')}`, '', '', ''],
  );
  const header = ['column', 'type', 'count', 'missing', 'mean', 'std', 'min', 'median', 'max'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [`${p.rows} rows`, line(header), ...rows.map(line)].join('\n');
}

function formatContract(r: ContractReport): string {
  const lines = [`contract: ${r.passed ? 'passed' : 'FAILED'} (${r.rows} rows, sha256 ${r.sha256.slice(0, 16)})`];
  for (const v of r.violations) lines.push(`  ${v.severity.padEnd(5)} ${v.rule.padEnd(10)} ${(v.column ?? '').padEnd(16)} ${String(v.count).padStart(6)}  rows ${v.exampleRows.join(', ')}  ${v.message}`);
  for (const n of r.notes) lines.push(`  note  ${n}`);
  return lines.join('\n');
}

const check = defineCommand({
  name: 'check',
  summary: "the model's data contract, and drift against its production reference",
  details: 'Reads the file as the model policy says (dialect, columns, types). Exit code 1 when the contract fails.',
  positionals: [
    { name: 'model', description: 'a registered model' },
    { name: 'file', type: 'path', description: 'the data to check' },
  ],
  examples: ['steward data check adult-income batch.csv'],
  async run({ model, file, json }, ctx) {
    const { db } = await ctx.database();
    const [{ getModel, productionReference }, { checkContract }, { readOptionsFor }, { ProfileBuilder, profileCategories }, { computeDrift, formatDriftTable }] = await Promise.all([
      import('../../lib/registry/models'),
      import('../../lib/data/contract'),
      import('../../lib/policy/io'),
      import('../../lib/drift/profile'),
      import('../../lib/drift/suite'),
    ]);
    const { policy } = await getModel(db, model);
    const contract = policy.contract;
    const options = readOptionsFor(policy);
    const ref = await productionReference(db, model);
    // One pass: the contract check hands its chunks to the drift profile on the reference's bins.
    const current = ref ? new ProfileBuilder({ reference: ref.profile }) : null;
    const report = await checkContract(file, contract, options, {
      knownCategories: ref ? profileCategories(ref.profile) : undefined,
      onChunk: (chunk) => current?.add(chunk),
    });
    const drift: DriftReport | null = ref && current ? computeDrift(ref.profile, current.finish(), policy.drift) : null;
    for (const w of report.warnings) ctx.warn(w);
    if (json) ctx.write(`${JSON.stringify({ contract: report, drift, productionVersion: ref?.version ?? null }, null, 2)}\n`);
    else {
      ctx.write(`${formatContract(report)}\n`);
      ctx.write(drift && ref ? `drift against production v${ref.version}:\n${formatDriftTable(drift)}\n` : 'drift: no production version to compare with\n');
    }
    return report.passed ? 0 : 1;
  },
});

const profile = defineCommand({
  name: 'profile',
  summary: 'per-column profile (counts, missing, moments, quantiles, categories)',
  positionals: [{ name: 'file', type: 'path', description: 'a CSV (or JSON lines) file' }],
  flags: dialectFlags,
  examples: ['steward data profile batch.csv', 'steward data profile export.csv --separator ";"'],
  async run({ file, ...flags }, ctx) {
    const { profile: p, sha256, warnings } = await profileFile(file, dialect(flags));
    for (const w of warnings) ctx.warn(w);
    ctx.print({ sha256, warnings, profile: p }, () => `sha256 ${sha256}\n${formatProfile(p)}`);
    return 0;
  },
});

const drift = defineCommand({
  name: 'drift',
  summary: 'drift between two files (one row per column: test, value, threshold, verdict)',
  details: "The current file is read with the reference's column types and binned on the reference's bin edges.",
  flags: {
    reference: { type: 'path', required: true, description: 'the data the model was trained on (or last week)' },
    current: { type: 'path', required: true, description: 'the data to compare with it' },
    ...dialectFlags,
  },
  examples: ['steward data drift --reference 2011.csv --current 2012.csv'],
  async run({ reference, current, ...flags }, ctx) {
    const ref = await profileFile(reference, dialect(flags));
    const cur = await profileFile(current, dialect(flags, ref.columns), ref.profile);
    for (const w of [...ref.warnings, ...cur.warnings]) ctx.warn(w);
    const { computeDrift, formatDriftTable } = await import('../../lib/drift/suite');
    const report = computeDrift(ref.profile, cur.profile);
    ctx.print(report, () => formatDriftTable(report));
    return 0;
  },
});

export const data = defineGroup({ name: 'data', summary: 'data contracts, profiles and drift', subcommands: [check, profile, drift] });

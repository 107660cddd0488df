/**
 * Commands beyond the release loop: data checks and drift, audits of external scores, model cards, the
 * audit chain. Modules only some commands need (registry, metrics, cards, audit) load on first use.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkContract, type ContractReport } from '../lib/data/contract';
import { scanChunks, type ReadOptions } from '../lib/data/reader';
import type { ColumnSpec } from '../lib/data/types';
import { readOptionsFor } from '../lib/policy/io';
import { ProfileBuilder, profileCategories, type DatasetProfile } from '../lib/drift/profile';
import { computeDrift, formatDriftTable, type DriftReport } from '../lib/drift/suite';
import { StewardError } from '../lib/core/errors';
import type { CliContext } from './context';

export interface ExtraCommand {
  name: string;
  usage: string[];
  /** `argv` is everything after the command name. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: { json: { type: 'boolean' }, ...options }, allowPositionals: true, strict: true }) as { values: Record<string, unknown>; positionals: string[] };
  } catch (e) {
    throw new StewardError('InvalidInput', (e as Error).message);
  }
}

const dialectOptions = { separator: { type: 'string' as const }, 'no-header': { type: 'boolean' as const } };

function dialect(values: Record<string, unknown>, columns?: ColumnSpec[]): ReadOptions {
  return { separator: (values.separator as string | undefined) ?? ',', header: values['no-header'] !== true, trim: true, columns };
}

/** Profiles a file in one streaming pass; returns the profile, the column types it was read with and the reader's warnings. */
async function profileFile(file: string, options: ReadOptions, reference?: DatasetProfile): Promise<{ profile: DatasetProfile; columns: ColumnSpec[]; sha256: string; warnings: string[] }> {
  const builder = new ProfileBuilder(reference ? { reference } : {});
  const summary = await scanChunks(file, { ...options, reuseBuffers: true }, (chunk) => builder.add(chunk));
  return { profile: builder.finish(), columns: summary.columns, sha256: summary.sha256, warnings: summary.warnings.map((w) => w.message) };
}

// Warnings go to stderr so that stdout stays the report (or the JSON) alone.
function printWarnings(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
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

const dataCommand: ExtraCommand = {
  name: 'data',
  usage: [
    'data check <model> <file>             the model\'s data contract, and drift against its production reference',
    'data profile <file>                  per-column profile (counts, missing, moments, quantiles, categories)',
    'data drift --reference <f> --current <f>   drift between two files (one row per column: test, value, threshold, verdict)',
    '      [--separator s] [--no-header]  dialect for files read without a model policy',
  ],
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    if (sub === 'check') {
      const { values, positionals } = parse(rest, {});
      const [model, file] = positionals;
      if (!model || !file) throw new StewardError('InvalidInput', 'usage: steward data check <model> <file>');
      const { db } = await ctx.database();
      const { getModel, productionReference } = await import('../lib/registry/models');
      const { policy } = await getModel(db, model);
      const contract = policy.contract;
      const options = readOptionsFor(policy);
      const ref = await productionReference(db, model);
      // One pass: the contract check hands its chunks to the drift profile on the reference's bins.
      const current = ref ? new ProfileBuilder({ reference: ref.profile }) : null;
      const report = await checkContract(resolve(file), contract, options, {
        knownCategories: ref ? profileCategories(ref.profile) : undefined,
        onChunk: (chunk) => current?.add(chunk),
      });
      const drift: DriftReport | null = ref && current ? computeDrift(ref.profile, current.finish(), policy.drift) : null;
      printWarnings(report.warnings);
      if (values.json) process.stdout.write(`${JSON.stringify({ contract: report, drift, productionVersion: ref?.version ?? null }, null, 2)}\n`);
      else {
        process.stdout.write(`${formatContract(report)}\n`);
        process.stdout.write(drift ? `drift against production v${ref!.version}:\n${formatDriftTable(drift)}\n` : 'drift: no production version to compare with\n');
      }
      return report.passed ? 0 : 1;
    }
    if (sub === 'profile') {
      const { values, positionals } = parse(rest, dialectOptions);
      if (!positionals[0]) throw new StewardError('InvalidInput', 'usage: steward data profile <file>');
      const { profile, sha256, warnings } = await profileFile(resolve(positionals[0]), dialect(values));
      printWarnings(warnings);
      process.stdout.write(values.json ? `${JSON.stringify({ sha256, warnings, profile }, null, 2)}\n` : `sha256 ${sha256}\n${formatProfile(profile)}\n`);
      return 0;
    }
    if (sub === 'drift') {
      const { values } = parse(rest, { reference: { type: 'string' }, current: { type: 'string' }, ...dialectOptions });
      if (typeof values.reference !== 'string' || typeof values.current !== 'string') throw new StewardError('InvalidInput', 'usage: steward data drift --reference <file> --current <file>');
      const ref = await profileFile(resolve(values.reference), dialect(values));
      // The current file is read with the reference's column types and binned on its bin edges.
      const cur = await profileFile(resolve(values.current), dialect(values, ref.columns), ref.profile);
      printWarnings([...ref.warnings, ...cur.warnings]);
      const report = computeDrift(ref.profile, cur.profile);
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDriftTable(report)}\n`);
      return 0;
    }
    throw new StewardError('InvalidInput', `unknown data command "${sub ?? ''}": use check, profile or drift`);
  },
};

const evalCommand: ExtraCommand = {
  name: 'eval',
  usage: ['eval --data <csv> --label <col> --score <col> [--threshold t] [--group <col> ...] [--baseline-score <col>] [--positive-label v]', '                                      audit externally produced scores: metrics, fairness, regression'],
  async run(argv) {
    const { output, exitCode } = await (await import('../lib/metrics')).runEvalCommand(argv);
    process.stdout.write(`${output}\n`);
    return exitCode;
  },
};

const cardCommand: ExtraCommand = {
  name: 'card',
  usage: ['card <model> <version> [--out <dir>]  write the model card (Markdown and self-contained HTML)'],
  async run(argv, ctx) {
    const { values, positionals } = parse(argv, { out: { type: 'string' } });
    const [model, v] = positionals;
    const version = Number(String(v ?? '').replace(/^v/, ''));
    if (!model || !Number.isInteger(version)) throw new StewardError('InvalidInput', 'usage: steward card <model> <version>');
    const { db } = await ctx.database();
    const [{ renderVersionCard }, { localArtifactStore }] = await Promise.all([import('../lib/registry/cards'), import('../lib/registry/artifacts')]);
    const card = await renderVersionCard(db, localArtifactStore(ctx.config.artifactsDir), model, version);
    const dir = resolve((values.out as string | undefined) ?? '.');
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `${model}-v${version}-card`);
    writeFileSync(`${base}.md`, card.markdown);
    writeFileSync(`${base}.html`, card.html);
    process.stdout.write(values.json ? `${JSON.stringify({ markdown: `${base}.md`, html: `${base}.html`, card: card.input })}\n` : `wrote ${base}.md and ${base}.html\n`);
    return 0;
  },
};

const auditCommand: ExtraCommand = {
  name: 'audit',
  usage: ['audit verify                          recompute the audit hash chain; names the first altered event'],
  async run(argv, ctx) {
    const { values, positionals } = parse(argv, {});
    if (positionals[0] !== 'verify') throw new StewardError('InvalidInput', 'usage: steward audit verify');
    const result = await (await import('../lib/registry/audit')).verifyAuditChain((await ctx.database()).db);
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : result.ok ? `audit chain intact: ${result.events} events\n` : `audit chain BROKEN at event ${result.brokenAt} (of ${result.events})\n`);
    return result.ok ? 0 : 1;
  },
};

export const extraCommands: ExtraCommand[] = [dataCommand, evalCommand, cardCommand, auditCommand];

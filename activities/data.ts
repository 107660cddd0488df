/**
 * Data validation for a release: the file is checked against the model's data contract, profiled,
 * compared with the production version's training reference (drift), and copied into the artifact
 * store under its sha256 so training workers read exactly the bytes that were checked.
 */
import { datasets } from '../db/schema';
import { jsonBytes } from '../lib/registry/artifacts';
import { appendAudit } from '../lib/registry/audit';
import { assertContract, checkContract } from '../lib/data/contract';
import { ProfileBuilder, profileCategories } from '../lib/drift/profile';
import { computeDrift, type DriftReport } from '../lib/drift/suite';
import { StewardError } from '../lib/core/errors';
import { readOptionsFor } from '../lib/policy/io';
import { parsePolicy } from '../lib/policy/schema';
import { productionReference } from '../lib/registry/models';
import type { DataValidation } from '../lib/release/types';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

export function createDataActivities(deps: ActivityDeps) {
  const { db, artifacts, clock = () => new Date() } = deps;
  return {
    async validateData({ releaseId, model, file, policy: rawPolicy }: { releaseId: string; model: string; file: string; policy: unknown }): Promise<DataValidation> {
      return withFailureTypes(async () => {
        // The policy captured when the release began: a policy edited mid-release must not change its rules.
        const policy = parsePolicy(rawPolicy, `policy of ${model}`);
        const contract = policy.contract;
        const options = readOptionsFor(policy);
        const reference = (await productionReference(db, model))?.profile ?? null;

        // One pass checks the contract and builds this file's own profile (stored as the reference for
        // the version trained on it) and, when production has a reference, a profile on its bins for drift.
        const own = new ProfileBuilder();
        const onReferenceBins = reference ? new ProfileBuilder({ reference }) : null;
        const report = await checkContract(file, contract, options, {
          knownCategories: reference ? profileCategories(reference) : undefined,
          onChunk: (chunk) => {
            own.add(chunk);
            onReferenceBins?.add(chunk);
          },
        });
        await appendAudit(db, {
          at: clock(),
          actor: 'steward',
          action: report.passed ? 'data.contract-passed' : 'data.contract-failed',
          model,
          releaseId,
          eventKey: `${releaseId}:contract`,
          payload: { file, sha256: report.sha256, rows: report.rows, violations: report.violations },
        });
        assertContract(report);

        const profile = own.finish();
        let drift: DriftReport | null = null;
        if (reference && onReferenceBins) drift = computeDrift(reference, onReferenceBins.finish(), policy.drift);

        // The copy training reads must be the bytes that were checked.
        const stored = await artifacts.putFile(file);
        if (stored.sha256 !== report.sha256) throw new StewardError('MalformedData', 'the file changed while it was being validated', { file });
        const driftedColumns = drift ? drift.columns.filter((c) => c.drifted).map((c) => c.column) : [];
        const reportSha256 = await artifacts.put(jsonBytes({ contract: report, drift }));
        await db.transaction(async (tx) => {
          await tx.insert(datasets).values({ sha256: stored.sha256, sourcePath: file, rows: report.rows, bytes: stored.bytes, profile }).onConflictDoNothing();
          await appendAudit(tx, {
            at: clock(),
            actor: 'steward',
            action: 'data.validated',
            model,
            releaseId,
            eventKey: `${releaseId}:data-validated`,
            payload: { sha256: stored.sha256, rows: report.rows, reportSha256, drift: drift ? { ...drift.dataset, driftedColumns } : null },
          });
        });
        return {
          sha256: stored.sha256,
          rows: report.rows,
          artifactSha256: stored.sha256,
          reportSha256,
          warnings: [...report.warnings, ...report.violations.filter((v) => v.severity === 'warn').map((v) => v.message)],
          drift: drift ? { drifted: drift.dataset.drifted, share: drift.dataset.share, driftedColumns } : null,
        };
      });
    },
  };
}

/**
 * Data validation for a release: the file is checked against the model's data contract, profiled,
 * compared with the production version's training reference (drift) on a compute thread, and copied
 * into the artifact store under its sha256 so training workers read exactly the bytes that were
 * checked.
 */
import { Context } from '@temporalio/activity';
import { datasets } from '../db/schema';
import { StewardError } from '../lib/core/errors';
import { assertContract } from '../lib/data/contract';
import { parsePolicy } from '../lib/policy/schema';
import { appendAudit } from '../lib/registry/audit';
import { productionReference } from '../lib/registry/models';
import type { DataValidation } from '../lib/release/types';
import { jsonBytes } from '../lib/runtime/artifacts';
import { runForActivity } from './compute/pool';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

export function createDataActivities(deps: ActivityDeps) {
  const { db, artifacts, compute, clock = () => new Date() } = deps;
  return {
    async validateData({ releaseId, model, file, policy: rawPolicy }: { releaseId: string; model: string; file: string; policy: unknown }): Promise<DataValidation> {
      return withFailureTypes(async () => {
        // The policy captured when the release began: a policy edited mid-release must not change its rules.
        const policy = parsePolicy(rawPolicy, `policy of ${model}`);
        const reference = (await productionReference(db, model))?.profile ?? null;
        const { report, profile, drift } = await runForActivity(Context.current(), compute, 'validate', { file, policy, reference });
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

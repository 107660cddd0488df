/**
 * The monitor's input, state and trigger firings. Pure types and zod schemas: workflow code imports
 * this module.
 *
 * A monitor cuts the prediction log of one model into consecutive windows: by time (`window`), and,
 * with `windowPredictions`, earlier as soon as that many predictions were logged. Window `i` is
 * numbered from the monitor's first window for good; a monitor that continues as new carries the
 * next index and start, so windows are never skipped, repeated or renumbered.
 */
import { z } from 'zod';
import { durationSchema } from '../core/duration';

/** What a window is judged against (each optional). */
export const windowBudgetsSchema = z
  .object({
    latencyP50Ms: z.number().positive().optional(),
    latencyP99Ms: z.number().positive().optional(),
    errorRate: z.number().min(0).max(1).optional(),
  })
  .strict();

/** Settings of a monitor (the policy's `monitoring` section maps onto them). */
export const monitorSettingsSchema = z
  .object({
    /** Window length by time. */
    window: durationSchema.default(3_600_000),
    /** Close a window early once it holds this many logged predictions (checked every `countCheck`). */
    windowPredictions: z.number().int().min(1).optional(),
    countCheck: durationSchema.default(60_000),
    /** Wait after a window's end before computing it (gateways flush their log buffers within a second). */
    lag: durationSchema.default(5_000),
    budgets: windowBudgetsSchema.default({}),
    /** PSI of the scores above which the predictions drifted. */
    predictionDriftThreshold: z.number().positive().default(0.2),
    /** Earlier windows whose performance is refreshed when late labels arrive. */
    labelHorizon: z.number().int().min(0).max(1000).default(168),
    /** What the built-in drift and budget triggers do (until the policy's trigger rules replace them). */
    triggerAction: z.enum(['alert', 'open-incident', 'retrain', 'rollback']).default('alert'),
    /** The data a `retrain` action trains on (a named data source: a file the workers can read). */
    retrainData: z.string().min(1).optional(),
    /** Without `retrainData`, a retrain trains on the latest this many labelled predictions of the log. */
    retrainRows: z.number().int().min(200).max(1_000_000).default(20_000),
    /** Severity of incidents the monitor opens. */
    incidentSeverity: z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5']).default('SEV3'),
    /** Windows a run computes before it continues as new (its history stays far below Temporal's limits). */
    windowsPerRun: z.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type MonitorSettings = z.output<typeof monitorSettingsSchema>;

/** A trigger firing: which rule, on which window, what it asks for, and the evidence. */
export interface TriggerFiring {
  trigger: string;
  window: number;
  action: 'alert' | 'retrain' | 'rollback' | 'open-incident';
  reason: string;
  evidence: Record<string, unknown>;
}

/** The few numbers of a window the monitor keeps in its state (and trigger evaluation reads). */
export interface WindowSummary {
  index: number;
  start: string;
  end: string;
  volume: number;
  errorRate: number;
  latencyP99Ms: number | null;
  featureDrift: { drifted: boolean; share: number; driftedColumns: string[] } | null;
  predictionDrift: { psi: number; drifted: boolean } | null;
  accuracy: number | null;
  estimatedAccuracy: number | null;
  labelled: number;
  breaches: string[];
}

export const monitorInputSchema = z
  .object({
    model: z.string().min(1),
    requestedBy: z.string().min(1).default('steward'),
    settings: monitorSettingsSchema.default(monitorSettingsSchema.parse({})),
    /** Start of window 0 (ISO 8601; default: when the monitor starts). */
    origin: z.string().datetime({ offset: true }).optional(),
    /** Carried across Continue-As-New. */
    carried: z
      .object({
        nextIndex: z.number().int().min(0),
        nextStart: z.string(),
        recent: z.array(z.custom<WindowSummary>()),
        triggerState: z.unknown(),
        firings: z.number().int().min(0),
        lastFirings: z.array(z.custom<TriggerFiring>()).default([]),
        incidents: z.array(z.string()).default([]),
        actions: z.array(z.string()).default([]),
        runs: z.number().int().min(1),
      })
      .optional(),
  })
  .strict();
export type MonitorInput = z.input<typeof monitorInputSchema>;
export type ParsedMonitorInput = z.output<typeof monitorInputSchema>;

/** What `steward monitor status` and the workflow's Query show. */
export interface MonitorState {
  model: string;
  status: 'running' | 'stopping' | 'stopped';
  settings: MonitorSettings;
  nextIndex: number;
  nextStart: string;
  /** Latest windows (newest last), at most `KEEP_RECENT`. */
  recent: WindowSummary[];
  firings: number;
  lastFirings: TriggerFiring[];
  /** Incidents the monitor opened (their ids). */
  incidents: string[];
  /** Releases and rollbacks the monitor started (their workflow ids). */
  actions: string[];
  /** This run's number since the monitor started (each Continue-As-New adds one). */
  run: number;
  stoppedBy?: string;
}

/** Window summaries kept in the state (all windows are in the database). */
export const KEEP_RECENT = 20;

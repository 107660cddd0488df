/**
 * A complete, realistic model card input for a binary income classifier trained on the UCI Adult
 * data set (predicts income > 50K). Used by the tests and as a worked example of every section.
 * Figures are plausible for a small neural network on Adult, not measurements of a real run.
 *
 * @example
 *   import { adultIncomeCard } from './card-fixture';
 *   writeFileSync('/tmp/card.html', renderModelCardHtml(adultIncomeCard));
 */
import type { ColumnProfile, Estimate, FairnessGroup, ModelCardInput } from '../../lib/card/types';

const est = (value: number | null, low?: number | null, high?: number | null): Estimate =>
  low === undefined ? { value } : { value, low, high };

function group(name: string, size: number, sr: [number, number, number], tpr: [number, number, number] | null, fpr: [number, number, number], judged = true): FairnessGroup {
  return {
    group: name,
    size,
    judged,
    selectionRate: est(...sr),
    // A group with no positive examples has no TPR: null, not 0, so it reads "n/a".
    tpr: tpr ? est(...tpr) : { value: null, low: null, high: null },
    fpr: est(...fpr),
  };
}

const adultColumns = (missingWorkclass: number): ColumnProfile[] => [
  { name: 'age', type: 'numeric', missingShare: 0, mean: 38.58, std: 13.64, min: 17, max: 90 },
  {
    name: 'workclass',
    type: 'categorical',
    missingShare: missingWorkclass,
    distinct: 8,
    topCategories: [
      { value: 'Private', share: 0.697 },
      { value: 'Self-emp-not-inc', share: 0.078 },
      { value: 'Local-gov', share: 0.064 },
    ],
  },
  { name: 'fnlwgt', type: 'numeric', missingShare: 0, mean: 189778, std: 105550, min: 12285, max: 1484705 },
  { name: 'education_num', type: 'numeric', missingShare: 0, mean: 10.08, std: 2.57, min: 1, max: 16 },
  {
    name: 'marital_status',
    type: 'categorical',
    missingShare: 0,
    distinct: 7,
    topCategories: [
      { value: 'Married-civ-spouse', share: 0.46 },
      { value: 'Never-married', share: 0.328 },
      { value: 'Divorced', share: 0.136 },
    ],
  },
  {
    name: 'occupation',
    type: 'categorical',
    missingShare: 0.0566,
    distinct: 14,
    topCategories: [
      { value: 'Prof-specialty', share: 0.127 },
      { value: 'Craft-repair', share: 0.126 },
      { value: 'Exec-managerial', share: 0.125 },
    ],
  },
  {
    name: 'relationship',
    type: 'categorical',
    missingShare: 0,
    distinct: 6,
    topCategories: [
      { value: 'Husband', share: 0.405 },
      { value: 'Not-in-family', share: 0.255 },
      { value: 'Own-child', share: 0.156 },
    ],
  },
  {
    name: 'race',
    type: 'categorical',
    missingShare: 0,
    distinct: 5,
    topCategories: [
      { value: 'White', share: 0.854 },
      { value: 'Black', share: 0.096 },
      { value: 'Asian-Pac-Islander', share: 0.032 },
    ],
  },
  {
    name: 'sex',
    type: 'categorical',
    missingShare: 0,
    distinct: 2,
    topCategories: [
      { value: 'Male', share: 0.669 },
      { value: 'Female', share: 0.331 },
    ],
  },
  { name: 'capital_gain', type: 'numeric', missingShare: 0, mean: 1077.6, std: 7385.3, min: 0, max: 99999 },
  { name: 'capital_loss', type: 'numeric', missingShare: 0, mean: 87.3, std: 403.0, min: 0, max: 4356 },
  { name: 'hours_per_week', type: 'numeric', missingShare: 0, mean: 40.44, std: 12.35, min: 1, max: 99 },
  {
    name: 'native_country',
    type: 'categorical',
    missingShare: 0.0179,
    distinct: 41,
    topCategories: [
      { value: 'United-States', share: 0.896 },
      { value: 'Mexico', share: 0.02 },
      { value: 'Philippines', share: 0.006 },
    ],
  },
  {
    name: 'income',
    type: 'categorical',
    missingShare: 0,
    distinct: 2,
    topCategories: [
      { value: '<=50K', share: 0.759 },
      { value: '>50K', share: 0.241 },
    ],
  },
];

/** The Adult income classifier, version 7, evaluated against production version 6. */
export const adultIncomeCard: ModelCardInput = {
  name: 'adult-income',
  version: 'v7',
  createdAt: '2024-05-01T10:14:03Z',
  description: 'Binary classifier: does a person’s annual income exceed USD 50,000? Dense network on 14 census attributes.',
  intendedUse: [
    'Research and teaching on tabular classification and fairness auditing.',
    'Aggregate, population-level estimates of income bands for statistical reporting.',
  ],
  outOfScopeUses: [
    'Any decision about an individual: credit, employment, housing, insurance or benefits.',
    'Populations outside the 1994 US Census Current Population Survey without re-validation.',
  ],
  trainingData: {
    fileName: 'adult.train.csv',
    sha256: '1186ed5a0f42c059d3130031609b31775b953c235200db91f29bc5e21d2241fa',
    rows: 32561,
    columns: adultColumns(0.0564),
  },
  evaluationData: {
    fileName: 'adult.test.csv',
    sha256: '8ef180b4ff13c446dbdf47b7b96b38ca7bb7c00fe385eb6fe92991173b8a6d66',
    rows: 16281,
    columns: adultColumns(0.0592),
  },
  metrics: [
    { name: 'ROC AUC', value: 0.905, low: 0.9, high: 0.91 },
    { name: 'Accuracy', value: 0.852, low: 0.847, high: 0.857 },
    { name: 'F1 (>50K)', value: 0.667, low: 0.656, high: 0.678 },
    { name: 'Log loss', value: 0.316, low: 0.309, high: 0.324 },
  ],
  fairness: [
    {
      attributes: ['sex'],
      minGroupSize: 50,
      groups: [
        group('Male', 10860, [0.252, 0.244, 0.26], [0.624, 0.609, 0.639], [0.087, 0.081, 0.093]),
        group('Female', 5421, [0.078, 0.071, 0.085], [0.553, 0.515, 0.591], [0.022, 0.018, 0.026]),
      ],
      gaps: [
        { name: 'Demographic parity difference', metric: 'selectionRate', kind: 'difference', value: 0.174, low: 0.163, high: 0.185, threshold: 0.2, verdict: 'pass' },
        { name: 'Equal opportunity difference (TPR)', metric: 'tpr', kind: 'difference', value: 0.071, low: 0.03, high: 0.112, threshold: 0.1, verdict: 'pass' },
        { name: 'FPR difference', metric: 'fpr', kind: 'difference', value: 0.065, low: 0.058, high: 0.072, threshold: 0.08, verdict: 'pass' },
      ],
    },
    {
      attributes: ['race'],
      minGroupSize: 50,
      groups: [
        group('White', 13946, [0.214, 0.207, 0.221], [0.618, 0.603, 0.633], [0.069, 0.064, 0.074]),
        group('Black', 1561, [0.105, 0.09, 0.121], [0.549, 0.486, 0.611], [0.034, 0.025, 0.045]),
        group('Asian-Pac-Islander', 480, [0.246, 0.209, 0.287], [0.63, 0.548, 0.705], [0.082, 0.056, 0.116]),
        group('Amer-Indian-Eskimo', 159, [0.094, 0.058, 0.15], [0.476, 0.283, 0.676], [0.036, 0.014, 0.088]),
        group('Other', 135, [0.089, 0.052, 0.149], [0.5, 0.268, 0.732], [0.031, 0.011, 0.085]),
      ],
      gaps: [
        { name: 'Demographic parity difference', metric: 'selectionRate', kind: 'difference', value: 0.157, low: 0.108, high: 0.209, threshold: 0.2, verdict: 'pass' },
        { name: 'Equal opportunity difference (TPR)', metric: 'tpr', kind: 'difference', value: 0.154, low: 0.021, high: 0.347, threshold: 0.1, verdict: 'inconclusive' },
        { name: 'FPR difference', metric: 'fpr', kind: 'difference', value: 0.051, low: 0.018, high: 0.091, threshold: 0.08, verdict: 'inconclusive' },
      ],
    },
    {
      attributes: ['sex', 'race'],
      minGroupSize: 50,
      groups: [
        group('Male × White', 9566, [0.268, 0.259, 0.277], [0.628, 0.612, 0.644], [0.094, 0.087, 0.101]),
        group('Female × White', 4380, [0.083, 0.075, 0.091], [0.56, 0.517, 0.602], [0.023, 0.019, 0.028]),
        group('Male × Black', 779, [0.16, 0.136, 0.187], [0.571, 0.494, 0.645], [0.061, 0.044, 0.083]),
        group('Female × Black', 782, [0.05, 0.037, 0.068], [0.481, 0.35, 0.614], [0.012, 0.006, 0.024]),
        group('Male × Asian-Pac-Islander', 324, [0.318, 0.27, 0.37], [0.648, 0.56, 0.727], [0.118, 0.08, 0.17]),
        group('Female × Asian-Pac-Islander', 156, [0.096, 0.059, 0.152], [0.545, 0.32, 0.755], [0.021, 0.006, 0.073]),
        group('Male × Amer-Indian-Eskimo', 97, [0.124, 0.072, 0.205], [0.5, 0.27, 0.73], [0.048, 0.017, 0.125]),
        group('Female × Amer-Indian-Eskimo', 62, [0.048, 0.017, 0.133], [0.4, 0.118, 0.769], [0.018, 0.003, 0.094]),
        group('Male × Other', 94, [0.117, 0.067, 0.198], [0.538, 0.291, 0.768], [0.037, 0.013, 0.104]),
        // 41 women of "Other" race, none with income > 50K in the test split: reported, not judged.
        group('Female × Other', 41, [0.024, 0.004, 0.126], null, [0.024, 0.004, 0.126], false),
      ],
      gaps: [
        { name: 'Demographic parity difference', metric: 'selectionRate', kind: 'difference', value: 0.27, low: 0.19, high: 0.33, threshold: 0.2, verdict: 'inconclusive' },
        { name: 'Equal opportunity difference (TPR)', metric: 'tpr', kind: 'difference', value: 0.248, low: 0.061, high: 0.49, threshold: 0.1, verdict: 'inconclusive' },
        { name: 'FPR difference', metric: 'fpr', kind: 'difference', value: 0.106, low: 0.062, high: 0.16, threshold: 0.08, verdict: 'inconclusive' },
      ],
    },
  ],
  calibration: {
    ece: 0.0121,
    brier: 0.1012,
    bins: [
      { low: 0, high: 0.1, meanPredicted: 0.031, observed: 0.026, count: 8900 },
      { low: 0.1, high: 0.2, meanPredicted: 0.148, observed: 0.139, count: 1650 },
      { low: 0.2, high: 0.3, meanPredicted: 0.251, observed: 0.243, count: 1120 },
      { low: 0.3, high: 0.4, meanPredicted: 0.349, observed: 0.371, count: 880 },
      { low: 0.4, high: 0.5, meanPredicted: 0.452, observed: 0.474, count: 690 },
      { low: 0.5, high: 0.6, meanPredicted: 0.548, observed: 0.571, count: 620 },
      { low: 0.6, high: 0.7, meanPredicted: 0.651, observed: 0.622, count: 580 },
      { low: 0.7, high: 0.8, meanPredicted: 0.749, observed: 0.731, count: 560 },
      { low: 0.8, high: 0.9, meanPredicted: 0.852, observed: 0.829, count: 540 },
      { low: 0.9, high: 1, meanPredicted: 0.958, observed: 0.968, count: 741 },
    ],
  },
  featureImportance: {
    metric: 'ROC AUC',
    repeats: 10,
    features: [
      { feature: 'relationship', mean: 0.0612, std: 0.0021, deltaVsProduction: 0.0034 },
      { feature: 'capital_gain', mean: 0.0431, std: 0.0018, deltaVsProduction: -0.0012 },
      { feature: 'education_num', mean: 0.0384, std: 0.0016, deltaVsProduction: 0.0009 },
      { feature: 'age', mean: 0.0268, std: 0.0014, deltaVsProduction: -0.0021 },
      { feature: 'occupation', mean: 0.0207, std: 0.0012, deltaVsProduction: 0.0004 },
      { feature: 'hours_per_week', mean: 0.0121, std: 0.0009, deltaVsProduction: 0.0002 },
      { feature: 'marital_status', mean: 0.0109, std: 0.0011, deltaVsProduction: -0.0047 },
      { feature: 'capital_loss', mean: 0.0083, std: 0.0007, deltaVsProduction: 0.0001 },
      { feature: 'workclass', mean: 0.0041, std: 0.0006, deltaVsProduction: 0.0003 },
      { feature: 'sex', mean: 0.0019, std: 0.0004, deltaVsProduction: -0.0008 },
      { feature: 'race', mean: 0.0006, std: 0.0003, deltaVsProduction: 0.0001 },
      { feature: 'native_country', mean: 0.0003, std: 0.0002 },
      { feature: 'fnlwgt', mean: -0.0004, std: 0.0003, deltaVsProduction: -0.0002 },
    ],
  },
  regression: {
    productionVersion: 'v6',
    comparisons: [
      { metric: 'ROC AUC', candidate: 0.905, production: 0.902, difference: 0.003, budget: 0.01, pValue: 0.21, verdict: 'pass' },
      { metric: 'Accuracy', candidate: 0.852, production: 0.85, difference: 0.002, budget: 0.01, pValue: 0.48, verdict: 'pass' },
      { metric: 'Log loss', candidate: 0.316, production: 0.32, difference: -0.004, budget: 0.01, pValue: 0.33, verdict: 'pass' },
      { metric: 'Expected calibration error', candidate: 0.0121, production: 0.0183, difference: -0.0062, budget: 0.005, pValue: 0.0004, verdict: 'pass' },
    ],
  },
  latency: {
    single: { p50: 0.42, p95: 0.81, p99: 1.37 },
    batch: { size: 512, p50: 3.9, p95: 5.6, p99: 7.8 },
    modelSizeBytes: 184320,
    environment: 'tfjs-node 4.22 (CPU), 2 vCPU',
  },
  limitations: [
    'Trained on 1994 census data: wages, occupations and demographics have shifted since; absolute rates will not transfer.',
    'Intersectional groups with fewer than 50 examples (Female × Other) are not judged; several others have wide intervals.',
    'Calibration was measured on the pooled test split only, not per group.',
  ],
  ethicalConsiderations: [
    'Sex and race are inputs to the model; their permutation importance is low but they remain available to it, and proxies (relationship, marital status) carry much of the same signal.',
    'The selection-rate gap between men and women (0.17) mirrors the historical income gap in the data; a lower gap would require an explicit policy choice, not more training.',
  ],
  lineage: {
    trainingDataSha256: '1186ed5a0f42c059d3130031609b31775b953c235200db91f29bc5e21d2241fa',
    evaluationDataSha256: '8ef180b4ff13c446dbdf47b7b96b38ca7bb7c00fe385eb6fe92991173b8a6d66',
    codeVersion: 'git:4e1d9a7c',
    trainingConfigSha256: '28f3c3dac17830e40ea266a4a70a12e1c4677be4bf1c853fe742b3d907227b00',
    policySha256: 'c3a7e506fbc8d35b8ce4dcef742dce979b9f3fe6e3326b0c820129514f7d788e',
    parentVersion: 'v6',
    backend: 'tfjs-node',
  },
  approvals: [
    {
      principal: 'maria.lopez@example.org',
      decision: 'approve',
      comment: 'Intersectional gaps inconclusive because of group sizes; accepted with monthly fairness monitoring.',
      at: '2024-05-02T09:12:44Z',
    },
    { principal: 'dev.patel@example.org', decision: 'approve', at: '2024-05-02T11:03:10Z' },
  ],
  gate: {
    verdict: 'inconclusive',
    decidedAt: '2024-05-01T10:41:27Z',
    checks: [
      { name: 'Regression budget', verdict: 'pass', detail: 'All 4 metrics within budget against v6.' },
      { name: 'Fairness: sex', verdict: 'pass' },
      { name: 'Fairness: race', verdict: 'inconclusive', detail: 'TPR and FPR gap intervals straddle the thresholds.' },
      { name: 'Fairness: sex × race', verdict: 'inconclusive', detail: '1 group not judged (n < 50); intervals straddle the thresholds.' },
      { name: 'Human sign-off', verdict: 'pass', detail: '2 approvals.' },
    ],
  },
};

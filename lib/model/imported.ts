/**
 * Models trained elsewhere: an ONNX file (PyTorch's `torch.onnx.export`, skl2onnx, tf2onnx...) or a
 * TF.js Layers model (`model.json` plus weight shards, what `tensorflowjs_converter` writes for a
 * Keras model), brought into a release with the input pipeline that feeds them.
 *
 * The pipeline is declared, never guessed: a policy's `import` section, or a `steward-import.json`
 * beside the artifact, lists the model's inputs in order (a bare column name is a raw number; an
 * object may standardise it or one-hot encode a category over listed values) and how to read its
 * output (a probability or a logit, class probabilities or logits, a value). When both exist they must
 * say the same.
 *
 * The artifact's files are kept together in one content-addressed container (magic `STWDIMP1`, the
 * layout of serialize.ts): the header holds the declaration, the task, the classes and each file's
 * name, size and sha256; the payload holds the files' bytes as they were given. So the version's
 * model hash covers exactly the bytes that were evaluated, and the original files can be recovered
 * (and hashed again by anyone who has them) from the store.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { z } from 'zod';
import { contentHash } from '../core/hash';
import { fileError, StewardError } from '../core/errors';
import { parseWith } from '../core/validation';
import { tableRows, type Column, type Table } from '../data/table';
import type { ModelTask } from './config';
import { packContainer, sha256, unpackContainer } from './serialize';
import type { ScoringModel, ScoringPipeline } from './scoring';
import { tf } from './tf';

export const IMPORTED_MAGIC = 'STWDIMP1';
/** The file beside an artifact that declares its inputs and output (the shape of a policy's `import` section). */
export const IMPORT_DECLARATION_FILE = 'steward-import.json';

/**
 * One input of an imported model, in the order of its input vector. A bare column name is the raw
 * number; `scale` standardises it, `fill` replaces a missing value (otherwise a missing value is an
 * error: an imported model has no imputation Steward could know of); `oneHot` reads the column as text
 * and takes one input per listed value (1 for the row's value, all 0 for a value not listed or missing).
 */
export const importInputSchema = z.union([
  z.string().min(1),
  z
    .strictObject({
      column: z.string().min(1),
      scale: z.strictObject({ mean: z.number(), std: z.number().positive() }).optional(),
      fill: z.number().optional(),
      oneHot: z.array(z.string()).min(1).optional(),
    })
    .refine((i) => !(i.oneHot && (i.scale || i.fill !== undefined)), { message: 'a one-hot input takes neither scale nor fill' }),
]);

/**
 * How an imported model is fed and read: its inputs in order, and what its output is. `output`
 * defaults by task: `probability` (binary: one column, or two whose second is the positive class),
 * `probabilities` (multiclass: one column per class, in the label's class order), `value`
 * (regression). `logit` / `logits` apply the sigmoid / softmax first. `inputName` and `outputName`
 * pick an ONNX model's tensors when it has several.
 *
 * @example
 *   importSpecSchema.parse({ inputs: ['temp', 'hum', { column: 'season', oneHot: ['1', '2', '3', '4'] }], output: 'value' });
 */
export const importSpecSchema = z.strictObject({
  inputs: z.array(importInputSchema).min(1),
  output: z.enum(['probability', 'logit', 'probabilities', 'logits', 'value']).optional(),
  inputName: z.string().min(1).optional(),
  outputName: z.string().min(1).optional(),
});
/** A parsed import declaration. */
export type ImportSpec = z.infer<typeof importSpecSchema>;
/** What an imported model's output is. */
export type ImportOutput = NonNullable<ImportSpec['output']>;

/** The output kinds each task accepts, the first being its default. */
export const outputsByTask: Readonly<Record<ModelTask, readonly ImportOutput[]>> = {
  binary: ['probability', 'logit'],
  multiclass: ['probabilities', 'logits'],
  regression: ['value'],
};

/** The formats Steward imports. */
export const importFormats = ['onnx', 'tfjs-layers'] as const;
export type ImportFormat = (typeof importFormats)[number];

/** One file of an imported artifact as stored. */
export interface ImportedFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** What a release records of an imported model (lineage, card, audit). */
export interface ImportedArtifact {
  format: ImportFormat;
  /** The file given to `--import` (the .onnx file or model.json). */
  fileName: string;
  /** sha256 of that file's bytes: what `sha256sum model.onnx` prints. */
  sha256: string;
  files: ImportedFile[];
  /** Where the declaration of inputs and output came from. */
  declaredIn: 'policy' | typeof IMPORT_DECLARATION_FILE;
  /** The declared origin (training code commit, notebook, run id), as given by the requester. */
  origin: string | null;
  /** What the file says produced it (ONNX producer and version; TF.js converter and Keras version). */
  producer: string | null;
}

interface ImportHeader {
  kind: 'steward.imported-model';
  version: 1;
  format: ImportFormat;
  task: ModelTask;
  classes?: string[];
  spec: ImportSpec;
  artifact: ImportedArtifact;
}

/** A declaration of inputs and output, with its hash (the version's recipe hash for an import). */
export function importSpecHash(spec: ImportSpec): string {
  return contentHash(spec);
}

/**
 * Parses an import declaration; a bad one is `InvalidPolicy` naming the field.
 *
 * @example parseImportSpec({ inputs: ['x1', 'x2'] });
 */
export function parseImportSpec(raw: unknown, where: { file?: string; field?: string } = {}): ImportSpec {
  return parseWith(importSpecSchema, raw, { type: 'InvalidPolicy', what: 'import declaration', ...where });
}

function artifactError(message: string, file: string): StewardError {
  return new StewardError('InvalidArtifact', message, { file });
}

function readBytes(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw fileError(e, file);
  }
}

/** The files of an artifact: the .onnx file, or model.json and the weight shards its manifest names. */
function collectFiles(path: string): { format: ImportFormat; main: string; files: { name: string; path: string }[] } {
  let target = path;
  let stat;
  try {
    stat = statSync(target);
  } catch (e) {
    throw fileError(e, path);
  }
  if (stat.isDirectory()) {
    const entries = readdirSync(target);
    const onnx = entries.filter((e) => extname(e).toLowerCase() === '.onnx');
    if (entries.includes('model.json')) target = join(target, 'model.json');
    else if (onnx.length === 1) target = join(target, onnx[0]!);
    else throw artifactError(`the folder holds ${onnx.length > 1 ? `several .onnx files (${onnx.join(', ')})` : 'neither model.json nor an .onnx file'}: give the model file itself`, path);
  }
  const ext = extname(target).toLowerCase();
  if (ext === '.onnx') return { format: 'onnx', main: target, files: [{ name: basename(target), path: target }] };
  if (ext === '.json') {
    const manifest = parseModelJson(readBytes(target), target);
    const shards = manifest.weightsManifest.flatMap((g) => g.paths);
    for (const shard of shards) {
      if (shard.includes('..') || shard.startsWith('/')) throw artifactError(`weight shard path "${shard}" leaves the model's folder`, target);
    }
    return { format: 'tfjs-layers', main: target, files: [{ name: basename(target), path: target }, ...shards.map((s) => ({ name: s, path: join(dirname(target), s) }))] };
  }
  throw artifactError(`unknown model format "${ext || basename(target)}": Steward imports ONNX (.onnx) and TF.js Layers models (model.json with its weight files)`, path);
}

const modelJsonSchema = z.object({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(z.object({ name: z.string(), shape: z.array(z.number()), dtype: z.string() }).loose()) })),
});
type ModelJson = z.infer<typeof modelJsonSchema>;

function parseModelJson(bytes: Uint8Array, file: string): ModelJson {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw artifactError(`model.json is not valid JSON (${(e as Error).message}): the file is corrupt or not a TF.js model`, file);
  }
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success) throw artifactError('not a TF.js Layers model.json (it needs modelTopology and weightsManifest; a graph model from tf.saved_model is not supported, convert the Keras model instead)', file);
  if (parsed.data.format && parsed.data.format !== 'layers-model') throw artifactError(`a TF.js "${parsed.data.format}", not a layers-model: convert the Keras model (tensorflowjs_converter --input_format keras)`, file);
  return parsed.data;
}

/**
 * Reads an artifact from disk with its declaration: the policy's (`declared`), the one shipped beside
 * it, or both when they agree. Nothing is run here (see `checkImportedModel`).
 *
 * @example const read = readImportArtifact('exports/bike.onnx', policy.import);
 */
export function readImportArtifact(path: string, declared: ImportSpec | undefined): {
  format: ImportFormat;
  fileName: string;
  files: { name: string; data: Uint8Array }[];
  spec: ImportSpec;
  declaredIn: ImportedArtifact['declaredIn'];
} {
  const { format, main, files } = collectFiles(path);
  const data = files.map((f) => ({ name: f.name, data: readBytes(f.path) }));
  const besidePath = join(dirname(main), IMPORT_DECLARATION_FILE);
  let beside: ImportSpec | undefined;
  let besideText: string | undefined;
  try {
    besideText = readFileSync(besidePath, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw fileError(e, besidePath);
  }
  if (besideText !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(besideText);
    } catch (e) {
      throw new StewardError('InvalidPolicy', `not valid JSON: ${(e as Error).message}`, { file: besidePath });
    }
    beside = parseImportSpec(raw, { file: besidePath });
  }
  if (!declared && !beside) {
    throw artifactError(`no declaration of the model's inputs: add an "import" section to the model's policy, or ship ${IMPORT_DECLARATION_FILE} beside the artifact`, main);
  }
  if (declared && beside && contentHash(declared) !== contentHash(beside)) {
    throw artifactError(`${IMPORT_DECLARATION_FILE} beside the artifact declares other inputs or another output than the policy's import section: remove one or make them agree`, besidePath);
  }
  return { format, fileName: basename(main), files: data, spec: (declared ?? beside)!, declaredIn: declared ? 'policy' : IMPORT_DECLARATION_FILE };
}

/**
 * Packs an artifact's files and declaration into the stored container.
 *
 * @example const bytes = packImportedModel({ format: 'onnx', files, spec, task: 'regression', origin: 'git:3f2c1ab' });
 */
export function packImportedModel(args: {
  format: ImportFormat;
  fileName: string;
  files: { name: string; data: Uint8Array }[];
  spec: ImportSpec;
  declaredIn: ImportedArtifact['declaredIn'];
  task: ModelTask;
  classes?: readonly string[];
  origin?: string | null;
}): { bytes: Buffer; artifact: ImportedArtifact } {
  const files = args.files.map((f) => ({ name: f.name, bytes: f.data.byteLength, sha256: sha256(f.data) }));
  const main = files[0]!;
  const artifact: ImportedArtifact = {
    format: args.format,
    fileName: args.fileName,
    sha256: main.sha256,
    files,
    declaredIn: args.declaredIn,
    origin: args.origin ?? null,
    producer: producerOf(args.format, args.files[0]!.data),
  };
  const header: ImportHeader = {
    kind: 'steward.imported-model',
    version: 1,
    format: args.format,
    task: args.task,
    ...(args.classes ? { classes: [...args.classes] } : {}),
    spec: args.spec,
    artifact,
  };
  const payload = Buffer.concat(args.files.map((f) => f.data));
  return { bytes: packContainer(IMPORTED_MAGIC, header as unknown as Record<string, unknown>, payload), artifact };
}

function producerOf(format: ImportFormat, main: Uint8Array): string | null {
  try {
    if (format === 'onnx') {
      const s = onnxSummary(main);
      return s.producer ? `${s.producer}${s.producerVersion ? ` ${s.producerVersion}` : ''}` : null;
    }
    const json = JSON.parse(Buffer.from(main).toString('utf8')) as { convertedBy?: string | null; generatedBy?: string };
    return [json.generatedBy, json.convertedBy].filter(Boolean).join(', ') || null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------
// ONNX: just enough of the protobuf wire format to name the producer, the operators and the
// parameters, and to refuse a file that is not a model before the runtime sees it.

/** What an ONNX file says of itself. */
export interface OnnxSummary {
  irVersion: number;
  producer: string | null;
  producerVersion: string | null;
  opsets: { domain: string; version: number }[];
  /** Operator types used by the graph's nodes (sorted, distinct). */
  operators: string[];
  /** Number of values in the initializers (the weights). */
  parameters: number;
  /** Whether some initializer keeps its data in an external file (not supported: one file only). */
  externalData: boolean;
}

class WireReader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  }
  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new Error('truncated field');
  }
  fields(visit: (field: number, wire: number) => void): void {
    while (this.pos < this.end) {
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 0) throw new Error('field number 0');
      const before = this.pos;
      visit(field, wire);
      if (this.pos === before) this.skip(wire);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads an ONNX ModelProto's header fields, operators and parameter count. Throws on bytes that are
 * not a protobuf ModelProto with a graph.
 *
 * @example onnxSummary(readFileSync('model.onnx')).operators; // ['Gemm', 'Relu']
 */
export function onnxSummary(bytes: Uint8Array): OnnxSummary {
  const out: OnnxSummary = { irVersion: 0, producer: null, producerVersion: null, opsets: [], operators: [], parameters: 0, externalData: false };
  const ops = new Set<string>();
  let graphs = 0;
  const model = new WireReader(bytes);
  model.fields((field, wire) => {
    if (field === 1 && wire === 0) out.irVersion = model.varint();
    else if (field === 2 && wire === 2) out.producer = utf8.decode(model.bytes());
    else if (field === 3 && wire === 2) out.producerVersion = utf8.decode(model.bytes());
    else if (field === 8 && wire === 2) {
      const sub = model.bytes();
      const opset = { domain: '', version: 0 };
      const inner = new WireReader(sub);
      inner.fields((f, w) => {
        if (f === 1 && w === 2) opset.domain = utf8.decode(inner.bytes());
        else if (f === 2 && w === 0) opset.version = inner.varint();
      });
      out.opsets.push(opset);
    } else if (field === 7 && wire === 2) {
      graphs++;
      const graph = new WireReader(model.bytes());
      graph.fields((gf, gw) => {
        if (gf === 1 && gw === 2) {
          const node = new WireReader(graph.bytes());
          node.fields((nf, nw) => {
            if (nf === 4 && nw === 2) ops.add(utf8.decode(node.bytes()));
          });
        } else if (gf === 5 && gw === 2) {
          const tensor = new WireReader(graph.bytes());
          let size = 1;
          tensor.fields((tf_, tw) => {
            if (tf_ === 1 && tw === 0) size *= tensor.varint();
            else if (tf_ === 1 && tw === 2) {
              const packed = new WireReader(tensor.bytes());
              while (packed.pos < packed.end) size *= packed.varint();
            } else if (tf_ === 14 && tw === 0) {
              if (tensor.varint() === 1) out.externalData = true;
            }
          });
          out.parameters += size;
        }
      });
    }
  });
  if (graphs !== 1 || out.irVersion === 0) throw new Error(graphs === 0 ? 'no graph' : 'several graphs');
  out.operators = [...ops].sort();
  return out;
}

// ------------------------------------------------------------------------------------------------
// Scoring an imported model.

/** The declared inputs as a pipeline: a table's rows to the model's input matrix. */
export class DeclaredInputs implements ScoringPipeline {
  readonly width: number;
  readonly featureNames: readonly string[];
  readonly inputColumns: string[];
  /** Columns read as numbers (not one-hot encoded): a request sends them as numbers where the contract does not say. */
  readonly numericColumns: string[];
  private readonly inputs: Exclude<ImportSpec['inputs'][number], string>[];

  constructor(spec: ImportSpec) {
    this.inputs = spec.inputs.map((i) => (typeof i === 'string' ? { column: i } : i));
    this.featureNames = this.inputs.flatMap((i) => (i.oneHot ? i.oneHot.map((v) => `${i.column}=${v}`) : [i.column]));
    this.width = this.featureNames.length;
    this.inputColumns = [...new Set(this.inputs.map((i) => i.column))];
    this.numericColumns = [...new Set(this.inputs.filter((i) => !i.oneHot).map((i) => i.column))];
  }

  rows(table: Table): number {
    return tableRows(table, this.inputColumns);
  }

  transform(table: Table): Float32Array {
    const n = this.rows(table);
    const w = this.width;
    const out = new Float32Array(n * w);
    let offset = 0;
    for (const input of this.inputs) {
      const col: Column = table[input.column]!;
      if (input.oneHot) {
        const index = new Map(input.oneHot.map((v, j) => [v, j]));
        for (let r = 0; r < n; r++) {
          const v = col[r];
          const j = v === null || v === undefined ? undefined : index.get(typeof v === 'number' && Number.isNaN(v) ? '' : String(v));
          if (j !== undefined) out[r * w + offset + j] = 1;
        }
        offset += input.oneHot.length;
        continue;
      }
      for (let r = 0; r < n; r++) {
        const v = col[r];
        let x = v === null || v === undefined || v === '' ? Number.NaN : Number(v);
        if (Number.isNaN(x)) {
          if (input.fill === undefined) {
            throw new StewardError('DataContractViolation', v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v)) ? 'missing value, and the import declares no "fill" for this input' : `not a number: ${JSON.stringify(v)}`, { column: input.column, row: r + 1 });
          }
          x = input.fill;
        }
        out[r * w + offset] = input.scale ? (x - input.scale.mean) / input.scale.std : x;
      }
      offset++;
    }
    return out;
  }
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * The runtime's outputs (rows x width) in the task's terms (see `ScoringModel.predict`). Refuses an
 * output of the wrong width.
 */
function interpret(raw: ArrayLike<number>, rows: number, width: number, task: ModelTask, output: ImportOutput, classes: readonly string[] | undefined, file: string): Float64Array {
  if (task === 'multiclass') {
    const k = classes!.length;
    if (width !== k) throw artifactError(`the model outputs ${width} value(s) per row, the policy has ${k} classes (${classes!.join(', ')})`, file);
    const out = new Float64Array(rows * k);
    for (let r = 0; r < rows; r++) {
      if (output === 'logits') {
        let max = -Infinity;
        for (let j = 0; j < k; j++) max = Math.max(max, raw[r * k + j]!);
        let sum = 0;
        for (let j = 0; j < k; j++) sum += Math.exp(raw[r * k + j]! - max);
        for (let j = 0; j < k; j++) out[r * k + j] = Math.exp(raw[r * k + j]! - max) / sum;
      } else for (let j = 0; j < k; j++) out[r * k + j] = raw[r * k + j]!;
    }
    return out;
  }
  const out = new Float64Array(rows);
  if (task === 'binary' && width === 2) {
    // Two columns: [negative, positive]; for logits the softmax's positive column is sigmoid(z1 - z0).
    for (let r = 0; r < rows; r++) out[r] = output === 'logit' ? sigmoid(raw[2 * r + 1]! - raw[2 * r]!) : raw[2 * r + 1]!;
    return out;
  }
  if (width !== 1) throw artifactError(`the model outputs ${width} values per row; a ${task} model gives one${task === 'binary' ? ' (or two: negative and positive class)' : ''}`, file);
  for (let r = 0; r < rows; r++) out[r] = output === 'logit' ? sigmoid(raw[r]!) : raw[r]!;
  return out;
}

const PREDICT_CHUNK = 8192;

/** The first sentence of a runtime's error, without its stack or advice paragraphs. */
function firstLine(e: unknown): string {
  const text = String((e as Error)?.message ?? e).trim();
  return text.split('\n')[0]!.slice(0, 400);
}

/**
 * Opens a stored imported model for scoring (ONNX through onnxruntime-node on the CPU, TF.js Layers
 * on the process's TF.js backend). Corrupt files, unsupported operators or layers and an input width
 * other than the declaration's are `InvalidArtifact`.
 *
 * @example const model = await openImportedModel(await artifacts.get(sha)); const p = await model.predict(table);
 */
export async function openImportedModel(bytes: Uint8Array): Promise<ScoringModel> {
  const { header: raw, payload } = unpackContainer(bytes, IMPORTED_MAGIC, 'imported model');
  const header = raw as unknown as ImportHeader;
  if (header.kind !== 'steward.imported-model' || header.version !== 1) {
    throw new StewardError('ArtifactIntegrity', `unsupported imported model format ${String(header.kind)} v${String(header.version)}`);
  }
  const files: Uint8Array[] = [];
  let offset = 0;
  for (const f of header.artifact.files) {
    files.push(payload.subarray(offset, offset + f.bytes));
    offset += f.bytes;
  }
  const spec = importSpecSchema.parse(header.spec);
  const pipeline = new DeclaredInputs(spec);
  const output = spec.output ?? outputsByTask[header.task][0]!;
  const name = header.artifact.fileName;
  const base = {
    task: header.task,
    format: header.format,
    classes: header.classes,
    outputWidth: header.task === 'multiclass' ? header.classes!.length : 1,
    pipeline,
    inputColumns: pipeline.inputColumns,
    sizeBytes: bytes.byteLength,
    imported: header.artifact,
  };
  if (header.format === 'onnx') {
    const session = await createOnnxSession(files[0]!, name);
    const summary = safeSummary(files[0]!);
    const inputName = pickName(session.inputNames, spec.inputName, 'input', name);
    const outputName = pickName(session.outputNames, spec.outputName, 'output', name);
    const meta = session.inputMetadata[session.inputNames.indexOf(inputName)];
    let inputType: 'float32' | 'float64' = 'float32';
    if (meta?.isTensor) {
      if (meta.type !== 'float32' && meta.type !== 'float64') throw artifactError(`input "${inputName}" is a ${meta.type} tensor; Steward feeds float32 or float64 features`, name);
      inputType = meta.type;
      const declared = meta.shape.at(-1);
      if (meta.shape.length !== 2) throw artifactError(`input "${inputName}" has shape [${meta.shape.join(', ')}]; Steward feeds a [rows, features] matrix`, name);
      if (typeof declared === 'number' && declared !== pipeline.width) {
        throw artifactError(`wrong input width: the model's input "${inputName}" takes ${declared} features per row, the declaration gives ${pipeline.width} (${pipeline.featureNames.join(', ')})`, name);
      }
    }
    const ort = await import('onnxruntime-node');
    return {
      ...base,
      runtime: `onnxruntime-node ${ort.env.versions?.common ?? ''} (cpu)`.replace('  ', ' '),
      parameters: summary?.parameters ?? null,
      describe: () => ({ format: 'onnx', task: header.task, runtime: 'onnxruntime-node (cpu)', inputs: [...pipeline.featureNames], imported: header.artifact, operators: summary?.operators ?? [] }),
      async predict(table: Table): Promise<Float64Array> {
        const rows = pipeline.rows(table);
        const x = pipeline.transform(table);
        const width = pipeline.width;
        let result: Float64Array | undefined;
        let outWidth = 0;
        for (let from = 0; from < rows || (rows === 0 && from === 0); from += PREDICT_CHUNK) {
          const size = Math.min(PREDICT_CHUNK, rows - from);
          if (size <= 0) break;
          const slice = x.subarray(from * width, (from + size) * width);
          const tensor = new ort.Tensor(inputType, inputType === 'float32' ? slice : Float64Array.from(slice), [size, width]);
          let out;
          try {
            out = (await session.run({ [inputName]: tensor }, [outputName]))[outputName];
          } catch (e) {
            throw artifactError(`the ONNX runtime could not run the model: ${firstLine(e)}`, name);
          }
          if (!out || !('data' in out) || typeof out.data === 'string' || !ArrayBuffer.isView(out.data)) throw artifactError(`output "${outputName}" is not a numeric tensor`, name);
          const dims = out.dims;
          const w = dims.length <= 1 ? 1 : dims.slice(1).reduce((a, b) => a * b, 1);
          if (dims[0] !== size) throw artifactError(`output "${outputName}" has ${dims[0]} rows for ${size} input rows`, name);
          const chunk = interpret(out.data as unknown as ArrayLike<number>, size, w, header.task, output, header.classes, name);
          outWidth = header.task === 'multiclass' ? w : 1;
          result ??= new Float64Array(rows * outWidth);
          result.set(chunk, from * outWidth);
        }
        return result ?? new Float64Array(0);
      },
      dispose: () => session.release(),
    };
  }
  const model = await loadImportedLayers(files, header.artifact, name);
  const inputWidth = model.inputs[0]?.shape.at(-1);
  if (model.inputs.length !== 1 || model.inputs[0]!.shape.length !== 2) {
    model.dispose();
    throw artifactError(`the model takes ${model.inputs.length} input(s) of shape [${model.inputs[0]?.shape.join(', ')}]; Steward feeds one [rows, features] matrix`, name);
  }
  if (inputWidth !== pipeline.width) {
    model.dispose();
    throw artifactError(`wrong input width: the model takes ${String(inputWidth)} features per row, the declaration gives ${pipeline.width} (${pipeline.featureNames.join(', ')})`, name);
  }
  return {
    ...base,
    runtime: `TensorFlow.js ${tf.version.tfjs} (${tf.getBackend()})`,
    parameters: model.countParams(),
    describe: () => ({ format: 'tfjs-layers', task: header.task, runtime: `TensorFlow.js (${tf.getBackend()})`, inputs: [...pipeline.featureNames], imported: header.artifact, operators: model.layers.map((l) => l.getClassName()) }),
    async predict(table: Table): Promise<Float64Array> {
      const rows = pipeline.rows(table);
      const x = pipeline.transform(table);
      const width = pipeline.width;
      const outWidth = header.task === 'multiclass' ? header.classes!.length : 1;
      const result = new Float64Array(rows * outWidth);
      for (let from = 0; from < rows; from += PREDICT_CHUNK) {
        const size = Math.min(PREDICT_CHUNK, rows - from);
        const y = tf.tidy(() => model.predict(tf.tensor2d(x.subarray(from * width, (from + size) * width), [size, width])) as tf.Tensor);
        const w = y.shape.length <= 1 ? 1 : y.shape.slice(1).reduce((a, b) => a * b, 1);
        const data = y.dataSync();
        y.dispose();
        result.set(interpret(data, size, w, header.task, output, header.classes, name), from * outWidth);
      }
      return result;
    },
    dispose: () => void model.dispose(),
  };
}

function safeSummary(bytes: Uint8Array): OnnxSummary | undefined {
  try {
    return onnxSummary(bytes);
  } catch {
    return undefined;
  }
}

function pickName(names: readonly string[], wanted: string | undefined, what: 'input' | 'output', file: string): string {
  if (wanted !== undefined) {
    if (!names.includes(wanted)) throw artifactError(`the model has no ${what} "${wanted}" (its ${what}s: ${names.join(', ')})`, file);
    return wanted;
  }
  if (names.length !== 1) throw artifactError(`the model has ${names.length} ${what}s (${names.join(', ')}): name the one to use in the declaration's ${what}Name`, file);
  return names[0]!;
}

async function createOnnxSession(bytes: Uint8Array, file: string) {
  let summary: OnnxSummary;
  try {
    summary = onnxSummary(bytes);
  } catch (e) {
    throw artifactError(`not an ONNX model (${firstLine(e)}): the file is corrupt or in another format`, file);
  }
  if (summary.externalData) throw artifactError('the model keeps weights in external data files: export it with every weight inside the .onnx file', file);
  const ort = await import('onnxruntime-node');
  try {
    // One thread per session: evaluation runs on a compute thread beside others, and the
    // per-row latency the card reports is the single-request latency serving sees.
    return await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (e) {
    const message = firstLine(e);
    const unknownOp = /not a registered function|Could not find an implementation|No Op registered|Unrecognized|not supported/i.test(message);
    throw artifactError(
      unknownOp
        ? `the ONNX runtime does not support an operator of this model (operators: ${summary.operators.join(', ')}; opsets: ${summary.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}): ${message}`
        : `the ONNX runtime cannot load the model: ${message}`,
      file,
    );
  }
}

async function loadImportedLayers(files: Uint8Array[], artifact: ImportedArtifact, file: string): Promise<tf.LayersModel> {
  const json = parseModelJson(files[0]!, file);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights) as unknown as tf.io.WeightsManifestEntry[];
  const shards = files.slice(1);
  const total = shards.reduce((s, b) => s + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const s of shards) {
    weightData.set(s, at);
    at += s.byteLength;
  }
  const bytesPerDtype: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
  const expected = weightSpecs.reduce((s, w) => {
    const q = (w as { quantization?: { dtype: string } }).quantization;
    return s + w.shape.reduce((a, b) => a * b, 1) * (bytesPerDtype[q?.dtype ?? w.dtype] ?? 4);
  }, 0);
  if (expected !== total) {
    throw artifactError(`the weight files hold ${total} bytes, the manifest describes ${expected} (${artifact.files.slice(1).map((f) => f.name).join(', ')}): a shard is truncated, corrupt or from another model`, file);
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs, weightData: weightData.buffer }));
  } catch (e) {
    const message = firstLine(e);
    throw artifactError(/Unknown (layer|activation|initializer|regularizer|constraint)/i.test(message) ? `TF.js cannot build the model: ${message} (TF.js Layers supports the Keras core layers)` : `TF.js cannot load the model: ${message}`, file);
  }
}

/**
 * The columnar chunk shape the drift engine consumes, re-exported from the data reader so drift
 * code has one import point.
 *
 * @example
 *   import type { DataChunk } from './chunk';
 */
export type { CategoryColumnChunk, ColumnChunk, ColumnType, DataChunk, NumberColumnChunk } from '../data/types';

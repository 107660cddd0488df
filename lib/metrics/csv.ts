/**
 * A small, strict RFC 4180 CSV reader for score audits: comma separator, `"` quoting with `""`
 * as an escaped quote, quoted fields may span lines, LF or CRLF line ends, optional UTF-8 BOM.
 * Strict because an audit must not silently misread a file: a ragged row or an unterminated
 * quote is an error naming the file and the physical line, never a guess.
 */
import { StewardError } from '../errors';

/** A parsed CSV file: header, records and where each record starts. */
export interface CsvTable {
  header: string[];
  /** Data records (header excluded), each with `header.length` fields. */
  rows: string[][];
  /** Physical 1-based line where each data record starts (the header is line 1 when it is the first line). */
  lines: number[];
}

/**
 * Parses CSV text with a header row.
 *
 * @example
 *   parseCsv('a,b\n1,"x,y"\n', 'scores.csv'); // { header: ['a','b'], rows: [['1','x,y']], lines: [2] }
 */
export function parseCsv(text: string, file?: string): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: string[][] = [];
  const starts: number[] = [];
  let line = 1;
  let i = 0;
  const len = text.length;
  while (i < len) {
    // Skip blank lines between records (a trailing newline, or an empty last line).
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      continue;
    }
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    for (;;) {
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= len) throw new StewardError('MalformedData', 'unterminated quoted field', { file, row: startLine });
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        if (i < len && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new StewardError('MalformedData', 'unexpected character after a closing quote', { file, row: line });
        }
      } else {
        while (i < len && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') throw new StewardError('MalformedData', 'quote inside an unquoted field', { file, row: line });
          field += text[i++];
        }
      }
      fields.push(field);
      field = '';
      if (i >= len) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') {
        if (text[i + 1] !== '\n') throw new StewardError('MalformedData', 'bare carriage return', { file, row: line });
        i++;
      }
      i++; // the '\n'
      line++;
      break;
    }
    records.push(fields);
    starts.push(startLine);
  }
  if (records.length === 0) throw new StewardError('MalformedData', 'the file is empty (a header row is required)', { file });
  const header = records[0];
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new StewardError('MalformedData', `duplicate column name "${h}" in the header`, { file, row: starts[0], column: h });
    seen.add(h);
  }
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      throw new StewardError('MalformedData', `expected ${header.length} fields, found ${records[r].length}`, { file, row: starts[r] });
    }
  }
  return { header, rows: records.slice(1), lines: starts.slice(1) };
}

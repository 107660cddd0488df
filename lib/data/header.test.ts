import { describe, expect, it } from 'vitest';
import { uniqueHeaderNames } from './header';

// Each expected list is what pandas 3.1's read_csv (both engines) gives for that header.
const pandas: [string[], string[]][] = [
  [['a', 'a', 'a'], ['a', 'a.1', 'a.2']],
  [['a', 'b', 'a', 'b', 'a'], ['a', 'b', 'a.1', 'b.1', 'a.2']],
  [['a', 'a', 'a.1'], ['a', 'a.2', 'a.1']],
  [['a', 'a.1', 'a'], ['a', 'a.1', 'a.2']],
  [['a', 'a.1', 'a', 'a'], ['a', 'a.1', 'a.2', 'a.3']],
  [['a.1', 'a', 'a'], ['a.1', 'a', 'a.2']],
  [['a', 'a', 'a.2', 'a'], ['a', 'a.1', 'a.2', 'a.3']],
  [['x', 'x.1', 'x.1', 'x'], ['x', 'x.1', 'x.1.1', 'x.2']],
];

describe('uniqueHeaderNames', () => {
  it('renames repeated names exactly as pandas read_csv does', () => {
    for (const [header, expected] of pandas) expect(uniqueHeaderNames(header).names, header.join(',')).toEqual(expected);
  });

  it('lists each renamed column with its header name and 1-based field', () => {
    expect(uniqueHeaderNames(['a', 'b', 'a', 'a.1'])).toEqual({
      names: ['a', 'b', 'a.2', 'a.1'],
      renamed: [{ name: 'a.2', header: 'a', field: 3 }],
    });
  });

  it('leaves unique headers and empty names alone', () => {
    expect(uniqueHeaderNames(['a', 'b'])).toEqual({ names: ['a', 'b'], renamed: [] });
    expect(uniqueHeaderNames(['a', '', ''])).toEqual({ names: ['a', '', ''], renamed: [] });
  });
});

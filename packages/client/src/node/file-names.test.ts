import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileInside, MAX_FILE_STEM_LENGTH, safeFileStem } from './file-names.js';

const SAFE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

describe('safeFileStem', () => {
  it('escapes separators, traversal, base64 punctuation, `_` itself, a leading dot or hyphen, and nothing else', () => {
    expect(safeFileStem('867283741759111202')).toBe('867283741759111202');
    expect(safeFileStem('CjMT7WdSwWcAAAAAALvB3g')).toBe('CjMT7WdSwWcAAAAAALvB3g');
    expect(safeFileStem('../../../x')).toBe('_2e._2f.._2f.._2fx');
    expect(safeFileStem('CjMT7+Wd/Sw==')).toBe('CjMT7_2bWd_2fSw_3d_3d');
    expect(safeFileStem('a_2fb')).toBe('a_5f2fb');
    expect(safeFileStem('-rf')).toBe('_2drf');
    expect(safeFileStem('a\\b:c\u0000\u001b[31m')).toBe('a_5cb_3ac_00_1b_5b31m');
    expect(safeFileStem('é€\ud800')).toBe('_e9_u20ac_ud800');
  });

  it('gives distinct, safe stems for every id of up to two characters over a tricky alphabet', () => {
    const alphabet = [
      '_',
      '2',
      'f',
      'h',
      'u',
      '.',
      '-',
      '/',
      '+',
      '=',
      'A',
      'a',
      '\u00e9',
      '\ud800',
      '\ufffd',
    ];
    const ids = [...alphabet];
    for (const first of alphabet) for (const second of alphabet) ids.push(first + second);
    const stems = ids.map(safeFileStem);
    for (const stem of stems) expect(stem).toMatch(SAFE);
    for (const stem of stems) expect(stem.startsWith('.')).toBe(false);
    expect(new Set(stems).size).toBe(ids.length);
  });

  it('shortens long ids to the limit, keeping them apart and apart from any short id', () => {
    const long = 'x'.repeat(500);
    const stems = [
      long,
      `${long}y`,
      `${long}z`,
      '/'.repeat(400),
      `${'/'.repeat(399)}+`,
      `${long}\ud800`,
      `${long}\ufffd`,
    ].map(safeFileStem);
    for (const stem of stems) {
      expect(stem).toMatch(SAFE);
      expect(stem.length).toBeLessThanOrEqual(MAX_FILE_STEM_LENGTH);
    }
    expect(new Set(stems).size).toBe(stems.length);
    // A short id spelling out a shortened stem maps elsewhere: `_` is escaped, so `_h` never survives.
    const shortened = safeFileStem(long);
    expect(shortened).toMatch(/^x{66}_h[0-9a-f]{32}$/);
    expect(safeFileStem(shortened)).not.toBe(shortened);
    // An id of exactly the limit is kept whole.
    expect(safeFileStem('x'.repeat(MAX_FILE_STEM_LENGTH))).toBe('x'.repeat(MAX_FILE_STEM_LENGTH));
  });

  it('does not split an escape when shortening', () => {
    const stem = safeFileStem(`${'x'.repeat(65)}/${'y'.repeat(100)}`);
    expect(stem.startsWith(`${'x'.repeat(65)}_h`)).toBe(true);
  });

  it('refuses an empty or non-string id', () => {
    expect(() => safeFileStem('')).toThrow(TypeError);
    expect(() => safeFileStem(12 as unknown as string)).toThrow(TypeError);
  });
});

describe('fileInside', () => {
  it('resolves a plain name inside dir and refuses anything else, whatever made it', () => {
    expect(fileInside('out', 'T-0.png')).toBe(join(resolve('out'), 'T-0.png'));
    for (const name of [
      '../x.png',
      'a/b.png',
      '/etc/passwd',
      '..',
      '.',
      '',
      '.hidden',
      'a\\b.png',
      'x'.repeat(256),
    ]) {
      expect(() => fileInside('/tmp/out', name), name).toThrow(/not a plain file name inside/);
    }
  });
});

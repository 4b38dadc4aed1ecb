import { describe, expect, it } from 'vitest';
import { nonNegativeIntegerOf, positiveNumberOf } from '../../lambda/core/encoding/number-text.ts';

describe('numbers written as text', () => {
  it.each([
    ['10000', 10000, 10000],
    ['2.5', 2.5, undefined],
    ['0', undefined, 0],
    ['-1', undefined, undefined],
    ['', undefined, undefined],
    ['  ', undefined, undefined],
    ['soon', undefined, undefined],
    ['Infinity', undefined, undefined],
    [undefined, undefined, undefined],
  ])('%j: positive number %j, non-negative integer %j', (text, positive, nonNegative) => {
    expect(positiveNumberOf(text)).toBe(positive);
    expect(nonNegativeIntegerOf(text)).toBe(nonNegative);
  });
});

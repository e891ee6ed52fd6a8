/** The shared whole-number option parser: ranges, and what it says about a bad value. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wholeNumber } from '../../../compiler/cli/option-parsers.js';

test('wholeNumber accepts whole numbers in range and names the option otherwise', () => {
  assert.equal(wholeNumber('--port', 0, 65535)('8710'), 8710);
  assert.equal(wholeNumber('--n')('0'), 0);
  assert.throws(() => wholeNumber('--port', 0, 65535)('65536'), /--port must be a whole number in \[0, 65535\], not `65536`/);
  assert.throws(() => wholeNumber('--n', 1)('0'), /--n must be a whole number >= 1, not `0`/);
  for (const bad of ['1.5', 'x', '', ' ', '1e400']) assert.throws(() => wholeNumber('--n')(bad), /--n must be a whole number/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greeting } from '../src/app.ts';

test('greets by name, or the world', () => {
  assert.deepEqual(greeting('Ada'), { message: 'Hello, Ada!' });
  assert.deepEqual(greeting(undefined), { message: 'Hello, world!' });
});

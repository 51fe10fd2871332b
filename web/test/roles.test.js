import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewsFor, canUseConsole, resolveRoute } from '../src/lib/roles.js';

test('each role opens its views', () => {
  assert.deepEqual(viewsFor(['analyst']), ['dashboard']);
  assert.deepEqual(viewsFor(['brand_manager']), ['templates']);
  assert.deepEqual(viewsFor(['support']), ['support', 'audit']);
  assert.deepEqual(viewsFor(['admin']), ['dashboard', 'audit']);
  assert.deepEqual(viewsFor(['analyst', 'brand_manager']), ['dashboard', 'templates']);
});

test('a shop-only key cannot use the console', () => {
  assert.equal(canUseConsole(['shop']), false);
  assert.equal(canUseConsole([]), false);
  assert.equal(canUseConsole(['shop', 'support']), true);
});

test('a route the roles do not allow falls back to the first allowed view', () => {
  assert.equal(resolveRoute('#/support', ['brand_manager']), 'templates');
  assert.equal(resolveRoute('#/audit', ['support']), 'audit');
  assert.equal(resolveRoute('', ['analyst']), 'dashboard');
  assert.equal(resolveRoute('#/templates', ['shop']), null);
});

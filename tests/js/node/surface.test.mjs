// The JS package's surface matches references/: every class, method (with its arity and query
// keys, checked by calling it wrongly) and exchange exists, and the .d.ts declares each method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tc from '../../../pkg/index.js';

const root = new URL('../../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('references/manifest.json', root)));
const dts = readFileSync(new URL('pkg/apis.d.ts', root), 'utf8');
const className = (service, exchanges) =>
  service.split('-').map((p) => p[0].toUpperCase() + p.slice(1)).join('') + (exchanges ? 'Events' : '');

test('every reference has a class, every method and exchange exists with the right shape', () => {
  let methods = 0;
  let exchanges = 0;
  for (const path of manifest.references) {
    const reference = JSON.parse(readFileSync(new URL(path.slice(1), root)));
    const isExchanges = 'exchangePrefix' in reference;
    const name = className(reference.serviceName, isExchanges);
    const Class = tc[name];
    assert.equal(typeof Class, 'function', `named export ${name}`);
    assert.equal(tc.default[name], Class, `default export ${name}`);
    const client = new Class({ rootUrl: 'https://tc.example.com' });
    const decl = dts.slice(dts.indexOf(`export declare class ${name} `));
    for (const e of reference.entries) {
      assert.equal(typeof client[e.name], 'function', `${name}.${e.name}`);
      assert.ok(decl.slice(0, decl.indexOf('\n}\n')).includes(`  ${e.name}(`), `${name}.${e.name} in apis.d.ts`);
      if (isExchanges) {
        const b = client[e.name]({});
        assert.equal(b.exchange, reference.exchangePrefix + e.exchange);
        assert.equal(b.routingKeyPattern.split('.').length, e.routingKey.filter((k) => !k.multipleWords).length + e.routingKey.filter((k) => k.multipleWords).length);
        exchanges++;
        continue;
      }
      const ref = client[e.name].entryReference;
      assert.deepEqual(ref.args, e.args, `${name}.${e.name} args`);
      assert.deepEqual(ref.query, e.query, `${name}.${e.name} query`);
      const n = e.args.length + (e.input ? 1 : 0);
      const tooMany = n + (e.query.length ? 2 : 1);
      assert.throws(() => client[e.name](...Array(tooMany).fill('x')),
        new RegExp(`^Error: Function ${e.name} takes ${n} arguments, but was given ${tooMany} arguments$`), `${name}.${e.name} arity`);
      if (e.query.length) {
        assert.throws(() => client[e.name](...Array(n).fill('x'), { notAKey: 1 }),
          new RegExp(`takes options: ${e.query.join(', ')} but was given notAKey`), `${name}.${e.name} query keys`);
      }
      methods++;
    }
  }
  assert.deepEqual([methods, exchanges], [188, 37]);
});

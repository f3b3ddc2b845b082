// The opt-in payload validator (`validate: true` in a client's options): a module of its own,
// which the package imports only when a client asks for validation, so the default package
// does not carry it. `cargo xtask pkg` bundles it with its validator (@cfworker/json-schema,
// which needs no `eval`, so it also runs in workerd) and the input schemas of every method
// (src/generated/input_schemas.json, written by `cargo xtask codegen`).
import { Validator } from '@cfworker/json-schema';
import table from '../src/generated/input_schemas.json';

// The base the embedded schemas get as `$id`, so that their relative `$ref`s resolve (never
// fetched, never shown). The same as the crate's `validate` feature.
const BASE = 'https://schemas.taskcluster-wasm.invalid/';
const validators = new Map();

function validatorFor(schemaName) {
  let v = validators.get(schemaName);
  if (!v) {
    const withId = (name) => ({ ...table.schemas[name], $id: `${BASE}${name}#` });
    v = new Validator(withId(schemaName), '7', false);
    for (const name of Object.keys(table.schemas)) if (name !== schemaName) v.addSchema(withId(name));
    validators.set(schemaName, v);
  }
  return v;
}

/**
 * Checks `payload` against the input schema of `service`'s `method`; throws an Error naming
 * each failing field (its JSON pointer and the reason, never the value, which may be secret).
 * A method without a vendored schema is not checked.
 */
export function checkPayload(service, method, payload) {
  const schemaName = table.methods[`${service}/${method}`];
  if (!schemaName) return;
  // What is sent is the JSON text of the payload: check that (Dates become strings).
  const json = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload) ?? 'null');
  const result = validatorFor(schemaName).validate(json);
  if (result.valid) return;
  // Leaf errors only: the validator also reports each enclosing keyword ("properties", "$ref")
  // and, for an extra property, the `false` schema it meets.
  const lines = [];
  for (const e of result.errors) {
    if (['properties', '$ref', 'allOf', 'false'].includes(e.keyword)) continue;
    const where = e.instanceLocation.replace(/^#/, '') || '/';
    lines.push(`  * ${where}: ${e.error.replace(/^Instance/, 'the value').replace(/\.$/, '')}`);
  }
  const err = new Error(`the ${method} payload does not match ${schemaName}:\n${lines.join('\n')}`);
  err.code = 'InputValidationError';
  throw err;
}

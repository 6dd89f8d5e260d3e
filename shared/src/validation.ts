import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: true, strict: false });
  addFormats(ajv);
  return ajv;
}

// Query strings, params and headers are text, so they are coerced ("42" → 42). Bodies are JSON
// and keep their types: the original rejected `"password": 123`, and so do we.
const coercing = makeAjv('array');
const strict = makeAjv(false);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);

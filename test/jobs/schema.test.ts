import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { DESTINATION_SCHEMES } from '../../src/jobs/destination-schemes.ts';
import { JobFilterSchema, JobInputSchema, OutputOptionsInputSchema } from '../../src/jobs/schema.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { goodJob, limits } from './helpers.ts';

test('the job schemas convert to JSON Schema with their descriptions', () => {
  const schema = z.toJSONSchema(JobInputSchema) as { properties: Record<string, { description?: string }>; additionalProperties?: boolean };
  assert.equal(schema.additionalProperties, false);
  // Every scheme sluice takes is named in the description the OpenAPI document shows.
  assert.match(schema.properties.destination_conf?.description ?? '', new RegExp(DESTINATION_SCHEMES.join(', ')));
  assert.match(schema.properties.max_upload_records?.description ?? '', /1,000/);
  const filter = JSON.stringify(z.toJSONSchema(JobFilterSchema));
  assert.match(filter, /startsWith/);
  const output = z.toJSONSchema(OutputOptionsInputSchema) as { properties: Record<string, unknown> };
  assert.ok('CVE-2021-44228' in output.properties);
});

test('every filter validateJob accepts also matches the declared JobFilterSchema', () => {
  const filters = [
    { where: { key: 'RayID', operator: 'eq', value: 'x' } },
    { where: { and: [{ key: 'BotScore', operator: 'lt', value: 30 }, { or: [{ key: 'ClientCountry', operator: 'in', value: ['us', 'ca'] }, { key: 'ClientIP', operator: 'eq', value: null }] }] } },
  ];
  for (const filter of filters) {
    const result = validateJob(goodJob({ filter }), { limits });
    assert.ok(result.ok);
    assert.ok(JobFilterSchema.safeParse(result.value.filter).success);
  }
  assert.ok(!JobFilterSchema.safeParse({ where: { and: [] } }).success);
  assert.ok(!JobFilterSchema.safeParse({ where: { key: 'RayID', operator: 'like', value: 'x' } }).success);
});

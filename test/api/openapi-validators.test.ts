// The documented filter operands (schemas.ts FILTER_OPERAND_RULES) against the validator's
// rules (filter-rules.ts leafValueProblem): every operator the document allows on a field type
// accepts the documented values there, and every operator it leaves out is refused there.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FieldType } from '../../src/datasets/catalog.ts';
import { FILTER_OPERAND_RULES } from '../../src/api/schemas.ts';
import { FILTER_OPERATORS, leafValueProblem } from '../../src/jobs/filter-rules.ts';

// One sample of every value shape a document value schema may allow.
const SAMPLES: unknown[] = [null, 'a-b.c', '', 7, -3, 2.5, true, false, ['x'], [1, 2], [true], ['x', 1]];

describe('documented filter operands', () => {
  for (const [type, rules] of Object.entries(FILTER_OPERAND_RULES) as Array<[FieldType, (typeof FILTER_OPERAND_RULES)[FieldType]]>) {
    it(`${type}: documented values are accepted, other operators refused`, () => {
      for (const operator of FILTER_OPERATORS) {
        const documented = rules.filter((rule) => rule.operators.includes(operator));
        for (const value of SAMPLES) {
          const allowed = documented.some((rule) => rule.value.safeParse(value).success);
          const problem = leafValueProblem(operator, 'F', type, value);
          if (allowed) assert.equal(problem, null, `${operator} ${JSON.stringify(value)} on ${type} is documented but refused: ${problem}`);
        }
        if (documented.length === 0) {
          assert.ok(SAMPLES.every((value) => leafValueProblem(operator, 'F', type, value) !== null), `${operator} on ${type} is accepted but not documented`);
        }
      }
    });
  }
});

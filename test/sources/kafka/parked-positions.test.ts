// Parked jobs' positions in the offset commit's metadata: round trip, room per topic within the
// broker's metadata limit, and metadata that is not ours (or is damaged) read as no positions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePositions, DEFAULT_MAX_METADATA_BYTES, encodePositions, METADATA_PREFIX, ParkedPositions } from '../../../src/sources/kafka/parked-positions.ts';

const tp = (topic: string, partition: number) => ({ topic, partition });

describe('parked positions in commit metadata', () => {
  it('round-trips ids and offsets up to their largest values', () => {
    const positions = new Map([[1, 0], [42, 1_234_567], [999_999_999_999_999, Number.MAX_SAFE_INTEGER]]);
    const text = encodePositions(positions)!;
    assert.ok(text.startsWith(METADATA_PREFIX));
    assert.deepEqual(decodePositions(text), positions);
    assert.equal(encodePositions(new Map()), null, 'no parked job: no metadata');
  });

  it('reads metadata that is not ours, or damaged entries, as nothing', () => {
    assert.equal(decodePositions(null).size, 0);
    assert.equal(decodePositions('').size, 0);
    assert.equal(decodePositions('{"connect":"offsets"}').size, 0);
    assert.deepEqual([...decodePositions(`${METADATA_PREFIX}a@b,XX@1,@5,0@3,zzzzzzzzzzz@1,5@zzzzzzzzzzzz`)], [[10, 11]]);
  });

  it('keeps as many jobs per topic as the worst-case metadata fits in the broker limit, then refuses', () => {
    const table = new ParkedPositions();
    const max = table.maxJobsPerTopic;
    assert.ok(max >= 150, `room for ${max} jobs`);
    for (let id = 999_999_999_999_999 - max + 1; id <= 999_999_999_999_999; id++) {
      assert.equal(table.keep(id, new Map([[tp('t', 0), Number.MAX_SAFE_INTEGER], [tp('t', 1), Number.MAX_SAFE_INTEGER]])), true);
    }
    assert.ok(table.metadataFor('t', 0)!.length <= DEFAULT_MAX_METADATA_BYTES, 'the worst case fits the broker\'s limit');
    assert.equal(table.keep(7, new Map([[tp('t', 0), 1]])), false, 'one job too many for the topic');
    assert.equal(decodePositions(table.metadataFor('t', 0)).has(7), false, 'nothing of a refused job is kept');
    assert.equal(table.keep(999_999_999_999_999, new Map([[tp('t', 2), 5]])), true, 'a job already counted fits on another partition');
    assert.equal(table.keep(7, new Map([[tp('other', 0), 1]])), true, 'another topic has its own room');
  });

  it('loads a previous owner\'s positions, forgets a job, drops a revoked partition', () => {
    const table = new ParkedPositions();
    const loaded = table.load('t', 3, encodePositions(new Map([[5, 100], [6, 200]])));
    assert.deepEqual([...loaded], [[5, 100], [6, 200]]);
    table.keep(5, new Map([[tp('t', 4), 50]]));
    table.forget(6);
    assert.deepEqual(decodePositions(table.metadataFor('t', 3)), new Map([[5, 100]]));
    table.drop('t', 3);
    assert.equal(table.metadataFor('t', 3), null);
    assert.deepEqual([...table.positionsOf('t', 4)], [[5, 50]]);
    table.forget(5);
    assert.equal(table.metadataFor('t', 4), null, 'no job left: the commit carries no metadata');
  });
});

describe('parked positions: keep lowers, advance raises', () => {
  it('keeps the lowest known position and advances only known entries', () => {
    const table = new ParkedPositions();
    table.keep(1, new Map([[tp('t', 0), 500]]));
    table.keep(1, new Map([[tp('t', 0), 700]]));
    assert.equal(table.positionsOf('t', 0).get(1), 500, 'a later, higher position does not skip records');
    table.keep(1, new Map([[tp('t', 0), 300]]));
    assert.equal(table.positionsOf('t', 0).get(1), 300);
    table.advance(1, 't', 0, 450);
    assert.equal(table.positionsOf('t', 0).get(1), 450);
    table.advance(1, 't', 0, 400);
    assert.equal(table.positionsOf('t', 0).get(1), 450, 'never backwards');
    table.advance(2, 't', 0, 9);
    assert.equal(table.positionsOf('t', 0).has(2), false, 'advance never creates an entry');
    assert.deepEqual([...table.jobs()], [1]);
  });
});

// The Dockerfile's base images are pinned by digest (issue 13): every FROM, after the ARGs declared
// before the first FROM are put in, names an image as tag@sha256:<64 hex> — the tag for readers
// and update bots, the digest for what is pulled — or an earlier stage. Static: reads the file.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const DOCKERFILE = new URL('../../Dockerfile', import.meta.url);
const PINNED = /^[a-z0-9][a-z0-9._\/:-]*:[\w][\w.-]*@sha256:[0-9a-f]{64}$/;

/** The instructions of a Dockerfile: continuation lines joined, comments and blank lines left out. */
function instructions(text: string): string[] {
  return text.replace(/\\\r?\n(\s*#.*\r?\n)*/g, ' ').split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/** Each FROM's image with the global ARGs (those before the first FROM) put in, and the stage it names. */
function baseImages(text: string): Array<{ image: string; stage?: string }> {
  const args = new Map<string, string>();
  const images: Array<{ image: string; stage?: string }> = [];
  for (const line of instructions(text)) {
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword!.toUpperCase() === 'ARG' && images.length === 0) {
      const [name, value] = rest.join(' ').split(/=(.*)/s);
      args.set(name!, (value ?? '').replace(/^"(.*)"$/, '$1'));
    }
    if (keyword!.toUpperCase() !== 'FROM') continue;
    const words = rest.filter((word) => !word.startsWith('--'));
    const image = words[0]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced?: string, plain?: string) => args.get((braced ?? plain)!) ?? '');
    images.push({ image, ...(words[1]?.toUpperCase() === 'AS' ? { stage: words[2]! } : {}) });
  }
  return images;
}

/** FROM images that are neither pinned by digest (with their tag) nor an earlier stage. */
function unpinnedImages(text: string): string[] {
  const stages = new Set<string>();
  const unpinned: string[] = [];
  for (const { image, stage } of baseImages(text)) {
    if (!stages.has(image) && image !== 'scratch' && !PINNED.test(image)) unpinned.push(image);
    if (stage) stages.add(stage);
  }
  return unpinned;
}

describe('Dockerfile', () => {
  const digest = `sha256:${'ab12'.repeat(16)}`;

  it('reads FROM lines with ARGs, flags and stage names', () => {
    const text = `# syntax=docker/dockerfile:1\nARG BASE="node:24-bookworm-slim@${digest}"\nFROM --platform=$BUILDPLATFORM \${BASE} AS build\nRUN x \\\n  # a comment\n  && y\nFROM build AS test\nFROM $BASE\n`;
    assert.deepEqual(baseImages(text), [
      { image: `node:24-bookworm-slim@${digest}`, stage: 'build' },
      { image: 'build', stage: 'test' },
      { image: `node:24-bookworm-slim@${digest}` },
    ]);
    assert.deepEqual(unpinnedImages(text), []);
  });

  it('refuses an image by tag only, by digest without its tag, or with a short digest', () => {
    for (const image of ['node:24-bookworm-slim', `node@${digest}`, 'node:24-bookworm-slim@sha256:abc', `node:24@sha256:${'AB12'.repeat(16)}`]) {
      assert.deepEqual(unpinnedImages(`FROM ${image}\n`), [image]);
    }
    assert.deepEqual(unpinnedImages(`ARG IMAGE=node:24\nFROM node:24@${digest} AS a\nFROM \${IMAGE}\n`), ['node:24'], 'an ARG that holds a tag');
  });

  it('pins every base image of ./Dockerfile by digest', () => {
    const text = readFileSync(DOCKERFILE, 'utf8');
    assert.ok(baseImages(text).length >= 2, 'a build and a runtime stage');
    assert.deepEqual(unpinnedImages(text), []);
  });
});

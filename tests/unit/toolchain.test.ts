import { describe, expect, it } from '@jest/globals';
import { Meilisearch } from 'meilisearch';

describe('toolchain', () => {
  it('loads ESM-only packages under Jest', () => {
    expect(typeof Meilisearch).toBe('function');
  });
});

/**
 * initBackend in a page: WebGL first, never the native packages. Node has no
 * WebGL, so here WebGL must be tried, fail, and fall through to WASM or CPU.
 * (Its own fork: the page globals, stubbed for the nested describe, touch no other file.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, inBrowser, initBackend } from '../../../src/runtime/backend.js';
import { tf } from '../../../src/runtime/tf.js';

describe('initBackend in a browser', () => {
  it('forcing webgl where there is none fails loudly', async () => {
    expect(inBrowser()).toBe(false);
    await expect(initBackend({ env: { SEQNET_BACKEND: 'webgl' } })).rejects.toThrow(/backend webgl was forced but cannot be used/);
  });

  describe('with window and document', () => {
    const g = globalThis as { window?: unknown; document?: unknown };
    beforeAll(() => {
      g.window = globalThis;
      g.document = {};
    });
    afterAll(() => {
      delete g.window;
      delete g.document;
    });

    it('tries WebGL first and skips the Node-only packages', async () => {
      expect(inBrowser()).toBe(true);
      const chosen = await initBackend({});
      const info = backendInfo()!;
      expect(info.skipped[0]?.backend).toBe('webgl');
      expect(info.skipped.map((s) => s.backend)).not.toContain('gpu');
      expect(info.skipped.map((s) => s.backend)).not.toContain('node');
      expect(['wasm', 'cpu']).toContain(chosen);
      expect(tf.getBackend()).toBe(chosen);
    });
  });
});

// The launcher's V8 flags for the server: added unless the user set the same flag, and not
// again in the re-executed process (src/shared/v8-flags.ts).
import { describe, expect, it } from 'vitest';
import { SERVER_V8_FLAGS, serverV8Flags } from '../../src/shared/v8-flags.js';

describe('V8 flags for the launcher', () => {
  it('gives the semi-space bound when the user set nothing', () => {
    expect(SERVER_V8_FLAGS).toContain('--max-semi-space-size=32');
    expect(serverV8Flags({}, [])).toEqual(SERVER_V8_FLAGS);
    expect(serverV8Flags({ NODE_OPTIONS: '--enable-source-maps' }, ['--trace-gc'])).toEqual(
      SERVER_V8_FLAGS,
    );
  });

  it("leaves a user's own value, in node's arguments or NODE_OPTIONS, whatever its spelling", () => {
    expect(serverV8Flags({}, ['--max-semi-space-size=64'])).toEqual([]);
    expect(serverV8Flags({ NODE_OPTIONS: '--max_semi_space_size=8' }, [])).toEqual([]);
  });

  it('adds nothing a second time (the re-executed process has them)', () => {
    const once = serverV8Flags({}, []);
    expect(serverV8Flags({}, once)).toEqual([]);
  });

  it('takes LLM_FINOPS_V8_FLAGS instead of its own, and off for none', () => {
    const env = { LLM_FINOPS_V8_FLAGS: '--max-semi-space-size=8 --single-threaded-gc' };
    expect(serverV8Flags(env, [])).toEqual(['--max-semi-space-size=8', '--single-threaded-gc']);
    expect(serverV8Flags({ LLM_FINOPS_V8_FLAGS: 'off' }, [])).toEqual([]);
  });
});

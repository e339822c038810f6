// OpenAI chat-completions wire payloads the mock providers answer with: a JSON completion, SSE
// chunks ending with the usage chunk (`stream_options.include_usage`), and error bodies.

export interface Usage {
  prompt: number;
  cached: number;
  completion: number;
}

const usageBody = (u: Usage): Record<string, unknown> => ({
  prompt_tokens: u.prompt,
  completion_tokens: u.completion,
  total_tokens: u.prompt + u.completion,
  prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});

/** The served model snapshot, as a real endpoint reports it. */
export const SNAPSHOT = 'gpt-4o-2024-08-06';

export function completionBody(id: string, created: number, u: Usage): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion',
    created,
    model: SNAPSHOT,
    system_fingerprint: 'fp_demo',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: filler(u.completion), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usageBody(u),
  };
}

/** SSE `data:` payloads: role chunk, `pieces` content chunks, finish chunk, optional usage chunk. */
export function streamChunks(
  id: string,
  created: number,
  u: Usage,
  pieces: number,
  includeUsage: boolean,
): unknown[] {
  const base = {
    id,
    object: 'chat.completion.chunk',
    created,
    model: SNAPSHOT,
    system_fingerprint: 'fp_demo',
  };
  const per = Math.max(1, Math.floor(u.completion / pieces));
  const out: unknown[] = [
    {
      ...base,
      choices: [
        {
          index: 0,
          delta: { role: 'assistant', content: '' },
          logprobs: null,
          finish_reason: null,
        },
      ],
    },
  ];
  for (let i = 0; i < pieces; i++)
    out.push({
      ...base,
      choices: [{ index: 0, delta: { content: filler(per) }, logprobs: null, finish_reason: null }],
    });
  out.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
  if (includeUsage) out.push({ ...base, choices: [], usage: usageBody(u) });
  return out;
}

export function errorBody(status: number, message: string): Record<string, unknown> {
  const code = status === 429 ? '429' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return {
    error: { code, message, type: status === 429 ? 'requests' : 'server_error', param: null },
  };
}

/** About `tokens` tokens of text (4 characters per token). */
export function filler(tokens: number): string {
  return 'lorem '.repeat(Math.max(0, Math.round((tokens * 4) / 6)));
}

/** Token estimate of a text (4 characters per token, as the traffic is generated). */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Deterministic 32-bit hash (FNV-1a) so identical requests get identical answers in both runs. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 7) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

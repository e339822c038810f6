// Opt-in message content capture (off by default: prompts and completions may hold personal
// data). Written as the semconv JSON string form of gen_ai.input/output.messages.
type Rec = Record<string, unknown>;

interface Part {
  type: string;
  content?: string;
}

function parts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content))
    return content === undefined || content === null ? [] : [{ type: 'unknown' }];
  return content.map((p: unknown) => {
    const r = (p ?? {}) as Rec;
    const text = typeof r['text'] === 'string' ? r['text'] : undefined;
    const type = typeof r['type'] === 'string' ? r['type'] : 'unknown';
    return text !== undefined ? { type: 'text', content: text } : { type };
  });
}

/** Chat-style messages (`{ role, content }`), or a bare string input (Responses API). */
export function inputMessagesJson(messages: unknown, system?: unknown): string | undefined {
  const list: { role: string; parts: Part[] }[] = [];
  if (system !== undefined) list.push({ role: 'system', parts: parts(system) });
  if (typeof messages === 'string') list.push({ role: 'user', parts: parts(messages) });
  else if (Array.isArray(messages)) {
    for (const m of messages) {
      const r = (m ?? {}) as Rec;
      list.push({
        role: typeof r['role'] === 'string' ? r['role'] : 'user',
        parts: parts(r['content']),
      });
    }
  }
  return list.length > 0 ? JSON.stringify(list) : undefined;
}

export function outputMessagesJson(text: string, finishReason?: string): string {
  const msg: Rec = { role: 'assistant', parts: [{ type: 'text', content: text }] };
  if (finishReason !== undefined) msg['finish_reason'] = finishReason;
  return JSON.stringify([msg]);
}

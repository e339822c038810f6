// Secret-looking strings are removed from captured prompt and completion text before it is
// stored. Patterns err on the side of redacting: a false positive costs a few characters of a
// prompt; a false negative leaks a credential into the warehouse.
const PATTERNS: readonly [string, RegExp][] = [
  ['private_key', /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g],
  ['openai_key', /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}\b/g],
  ['aws_access_key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ['github_token', /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g],
  ['slack_token', /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g],
  ['google_api_key', /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ['jwt', /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g],
  ['bearer', /\b(Bearer)\s+[A-Za-z0-9._~+/-]{16,}=*/gi],
  [
    'secret_assignment',
    /\b(password|passwd|secret|api[_-]?key|access[_-]?token)(\s*[:=]\s*)("?)[^\s"',;]{6,}\3/gi,
  ],
  ['card_number', /\b\d(?:[ -]?\d){12,18}\b/g],
];

/** Replace every secret-looking substring with `[REDACTED:<kind>]`. */
export function redactSecrets(text: string): string {
  if (text === '') return text;
  let out = text;
  for (const [kind, pattern] of PATTERNS) {
    out = out.replace(pattern, (match, ...groups: unknown[]) => {
      if (kind === 'bearer') return `${String(groups[0])} [REDACTED:bearer]`;
      if (kind === 'secret_assignment')
        return `${String(groups[0])}${String(groups[1])}[REDACTED:secret]`;
      if (kind === 'card_number' && !luhn(match)) return match;
      return `[REDACTED:${kind}]`;
    });
  }
  return out;
}

/** Card numbers only when the Luhn check passes, so order ids and timestamps survive. */
function luhn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/collector/processors/redact.js';
import { redactContent } from '../../src/collector/processors/attribute.js';
import { emptyCall } from '../../src/collector/call.js';

describe('redactSecrets', () => {
  it.each([
    ['my key is sk-proj-abcdefghijklmnop1234567890 ok', 'my key is [REDACTED:openai_key] ok'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'aws [REDACTED:aws_access_key] here'],
    [
      'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345',
      'Authorization: Bearer [REDACTED:bearer]',
    ],
    ['password = "hunter22secret"', 'password = [REDACTED:secret]'],
    [
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end',
      'token [REDACTED:jwt] end',
    ],
    ['card 4111 1111 1111 1111 thanks', 'card [REDACTED:card_number] thanks'],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----',
      '[REDACTED:private_key]',
    ],
  ])('redacts %j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('leaves ordinary text, order ids and timestamps alone', () => {
    const text = 'Order 1234567890123 shipped at 1732245900123; the password policy is strict.';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactContent', () => {
  const call = {
    ...emptyCall(),
    input_content: 'use sk-abcdefghijklmnop12345678',
    output_content: 'done',
  };

  it('drops content when capture is off', () => {
    expect(redactContent([call], false)[0]).toMatchObject({
      input_content: '',
      output_content: '',
    });
  });

  it('keeps redacted content when capture is on', () => {
    expect(redactContent([call], true)[0]).toMatchObject({
      input_content: 'use [REDACTED:openai_key]',
      output_content: 'done',
    });
  });
});

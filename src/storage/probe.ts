// One quiet round trip to a ClickHouse server before anything else talks to it, so that an
// unreachable CLICKHOUSE_URL or refused credentials fail start-up once, with the client's typed
// error, instead of as a logged client dump from the first real query.
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';

export interface ServerAddress {
  url: string;
  user?: string | undefined;
  password?: string | undefined;
}

/** Resolves when the server answers `SELECT 1` with these credentials; rejects with the cause. */
export async function probeServer(address: ServerAddress, timeoutMs = 10_000): Promise<void> {
  const client = createClient({
    url: address.url,
    username: address.user,
    password: address.password,
    request_timeout: timeoutMs,
    // The caller reports the failure; the client's own ERROR dump would repeat it as a stack.
    log: { level: ClickHouseLogLevel.OFF },
  });
  try {
    await client.command({ query: 'SELECT 1' });
  } finally {
    await client.close();
  }
}

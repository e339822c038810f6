// The one module that reads process.env. Everything else receives these values as arguments,
// so tests can run several configurations in one process without touching globals.

export interface EnvSettings {
  clickhouseUrl: string | undefined;
  clickhouseUser: string | undefined;
  clickhousePassword: string | undefined;
  clickhouseDatabase: string | undefined;
  configFile: string | undefined;
  dataDir: string | undefined;
  pricesFile: string | undefined;
  logLevel: string | undefined;
  routingKeyFile: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const get = (key: string): string | undefined => {
    const value = env[key];
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    clickhouseUrl: get('CLICKHOUSE_URL'),
    clickhouseUser: get('CLICKHOUSE_USER'),
    clickhousePassword: get('CLICKHOUSE_PASSWORD'),
    clickhouseDatabase: get('CLICKHOUSE_DATABASE'),
    configFile: get('LLM_FINOPS_CONFIG'),
    dataDir: get('LLM_FINOPS_DATA_DIR'),
    pricesFile: get('LLM_FINOPS_PRICES'),
    logLevel: get('LOG_LEVEL'),
    routingKeyFile: get('LLM_FINOPS_ROUTING_KEY_FILE'),
  };
}

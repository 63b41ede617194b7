// Entry point: configuration, start, and graceful shutdown on SIGTERM / SIGINT.
import { configFromEnv } from './config.ts';
import { startOperator } from './operator.ts';
import { createLogger } from './runtime/logger.ts';

const config = configFromEnv();
const log = createLogger(config.logLevel);

try {
  const operator = await startOperator(config, log);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    operator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (err) {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'could not start');
  process.exit(1);
}

// Entry point: configuration, start, and graceful shutdown on SIGTERM / SIGINT.
import { configFromEnv } from './config.ts';
import { startOperator } from './operator.ts';
import { createLogger } from './runtime/logger.ts';

const config = configFromEnv();
const log = createLogger(config.logLevel);

function fatal(why: string): never {
  log.fatal({ why }, 'exiting');
  process.exit(1);
}

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
  fatal(`could not start: ${err instanceof Error ? err.message : String(err)}`);
}

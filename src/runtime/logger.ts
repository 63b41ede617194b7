// pino JSON logs. Credentials are redacted by path as a second line of defence:
// the first is that no code path logs them at all.
import { pino, type Logger } from 'pino';

export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    level,
    base: { component: 'native-container-operator' },
    redact: {
      paths: ['password', '*.password', 'auth', '*.auth', 'authconfig', '*.authconfig', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}

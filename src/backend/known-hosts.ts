// Host key check for Docker over SSH against an OpenSSH known_hosts file, so that the operator
// talks to the Docker host it was told about and not to whoever answers on that address.
// Understood: plain and hashed (|1|salt|hash) names, [host]:port for ports other than 22,
// !negation, @revoked. Not understood: wildcard patterns and @cert-authority lines (skipped).
import { createHmac } from 'node:crypto';

interface Entry {
  marker: string | undefined;
  patterns: string[];
  key: Buffer;
}

/** The name known_hosts uses for a host: plain on port 22, [host]:port otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * A verifier for ssh2's hostVerifier: true only for a key listed for the host and not revoked.
 * Guarantees: an empty or unrelated file accepts nothing.
 */
export function hostKeyVerifier(knownHosts: string, host: string, port: number): (key: Buffer) => boolean {
  const name = knownHostName(host, port).toLowerCase();
  const entries = parse(knownHosts).filter((e) => matches(e.patterns, name));
  const revoked = entries.filter((e) => e.marker === '@revoked').map((e) => e.key);
  const trusted = entries.filter((e) => e.marker === undefined).map((e) => e.key);
  return (key) => !revoked.some((k) => k.equals(key)) && trusted.some((k) => k.equals(key));
}

function parse(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    const [patterns, , key] = fields;
    if (patterns === undefined || key === undefined || marker === '@cert-authority') continue;
    entries.push({ marker, patterns: patterns.split(','), key: Buffer.from(key, 'base64') });
  }
  return entries;
}

// A line matches when one pattern names the host and no negated pattern does.
function matches(patterns: string[], name: string): boolean {
  const negated = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  if (negated.some((p) => patternMatches(p, name))) return false;
  return patterns.some((p) => !p.startsWith('!') && patternMatches(p, name));
}

function patternMatches(pattern: string, name: string): boolean {
  if (!pattern.startsWith('|1|')) return pattern.toLowerCase() === name;
  const [, , salt, hash] = pattern.split('|');
  if (salt === undefined || hash === undefined) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

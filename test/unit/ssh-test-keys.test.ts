// The SSH test servers' key pairs: ssh2's own generator makes an unreadable ed25519 pair about
// once in 256 (mscdex/ssh2#1513); 1,500 pairs meet one with a chance above 99 %.
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../env/docker-ssh-server.ts';

describe('generateKeyPair', () => {
  it('gives pairs whose private and public keys ssh2 reads back', () => {
    const unreadable: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const pair = generateKeyPair(`k${i}`);
      for (const key of [pair.private, pair.public]) {
        const parsed = ssh2.utils.parseKey(key);
        if (parsed instanceof Error) unreadable.push(`${parsed.message}: ${key}`);
      }
    }
    expect(unreadable).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { hostKeyVerifier } from '../../src/backend/known-hosts.ts';

// Keys and hashed lines made with ssh-keygen (-t ed25519, then -H on the plain file).
const HOST_KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIBHcR/6ItkpWvAdk2p1Qr9YG0P1w33VB8aZ1ZBk7MMut';
const OTHER_KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIAK+PpDcOTsAhj3US6l4ujnz6mjdhcBFNPjerk9xmc3j';
const PLAIN = `# comment
docker.example ssh-ed25519 ${HOST_KEY}
[docker.example]:2222 ssh-ed25519 ${OTHER_KEY}
`;
const HASHED = `|1|IqsS2DZUxtBczjbI/GSjyky/aR8=|0no8U7Yt68Etf5Tns19KdzsLNkA= ssh-ed25519 ${HOST_KEY}
|1|yqgUWfnnX1IxM7GHxEfcToWSCIY=|jOT3wBk3JDCTA8cIzbZOV5j059c= ssh-ed25519 ${OTHER_KEY}
`;
const key = (b64: string): Buffer => Buffer.from(b64, 'base64');

describe('the known_hosts check of Docker over SSH', () => {
  it.each([
    ['plain', PLAIN],
    ['hashed', HASHED],
  ])('accepts the key listed for the host in a %s file', (_kind, file) => {
    expect(hostKeyVerifier(file, 'docker.example', 22)(key(HOST_KEY))).toBe(true);
  });

  it.each([
    ['plain', PLAIN],
    ['hashed', HASHED],
  ])('refuses a key listed only for the same host on another port in a %s file', (_kind, file) => {
    expect(hostKeyVerifier(file, 'docker.example', 22)(key(OTHER_KEY))).toBe(false);
  });

  it('matches [host]:port lines for ports other than 22', () => {
    const verify = hostKeyVerifier(HASHED, 'docker.example', 2222);
    expect(verify(key(OTHER_KEY))).toBe(true);
    expect(verify(key(HOST_KEY))).toBe(false);
  });

  it('refuses every key of a host the file does not list', () => {
    expect(hostKeyVerifier(PLAIN, 'elsewhere.example', 22)(key(HOST_KEY))).toBe(false);
  });

  it('refuses every key when the file is empty', () => {
    expect(hostKeyVerifier('', 'docker.example', 22)(key(HOST_KEY))).toBe(false);
  });

  it('matches host names without regard to case, and one name among several on a line', () => {
    const file = `other.example,DOCKER.example ssh-ed25519 ${HOST_KEY}\n`;
    expect(hostKeyVerifier(file, 'docker.EXAMPLE', 22)(key(HOST_KEY))).toBe(true);
  });

  it('refuses a key marked @revoked even when another line lists it', () => {
    const file = `${PLAIN}@revoked docker.example ssh-ed25519 ${HOST_KEY}\n`;
    expect(hostKeyVerifier(file, 'docker.example', 22)(key(HOST_KEY))).toBe(false);
  });

  it('skips a line whose negated pattern names the host', () => {
    const file = `docker.example,!docker.example ssh-ed25519 ${HOST_KEY}\n`;
    expect(hostKeyVerifier(file, 'docker.example', 22)(key(HOST_KEY))).toBe(false);
  });
});

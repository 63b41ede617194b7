import { describe, expect, it } from 'vitest';
import { dockerOptions, type HostFiles } from '../../src/backend/docker-host.ts';

function files(contents: Record<string, string>, home = '/home/op'): HostFiles {
  return {
    home,
    exists: (path) => path in contents,
    read: (path) => {
      const text = contents[path];
      if (text === undefined) throw new Error(`ENOENT ${path}`);
      return Buffer.from(text);
    },
  };
}

const TLS_FILES = { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' };
const KNOWN = 'docker.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBHcR/6ItkpWvAdk2p1Qr9YG0P1w33VB8aZ1ZBk7MMut\n';

describe('reaching Docker from DOCKER_HOST', () => {
  it('uses the default socket when DOCKER_HOST is unset', () => {
    expect(dockerOptions(undefined, {}, files({}))).toEqual({ socketPath: '/var/run/docker.sock' });
  });

  it('uses the socket a unix:// URL names', () => {
    expect(dockerOptions('unix:///run/user/docker.sock', {}, files({}))).toEqual({
      socketPath: '/run/user/docker.sock',
    });
  });

  it('speaks plain HTTP to a loopback tcp:// without DOCKER_TLS_VERIFY, on port 2375 by default', () => {
    expect(dockerOptions('tcp://127.0.0.1', {}, files({}))).toEqual({
      host: '127.0.0.1',
      port: 2375,
      protocol: 'http',
    });
  });

  it.each([
    'tcp://localhost:2375',
    'tcp://LOCALHOST:2375',
    'tcp://127.0.0.1:2375',
    'tcp://127.8.9.10:1',
    'tcp://[::1]:2375',
  ])('allows plain %s, which is loopback', (host) => {
    expect(dockerOptions(host, {}, files({}))).toMatchObject({ protocol: 'http' });
  });

  it.each([
    'tcp://docker.example',
    'tcp://10.1.2.3:2375',
    'tcp://0.0.0.0:2375',
    'tcp://[::]:2375',
    'tcp://[fe80::1]:2375',
    'tcp://127.0.0.1.example.com:2375',
    'tcp://localhost.example.com:2375',
  ])('refuses plain %s, which is not loopback, and says how to fix it', (host) => {
    const refused = (): unknown => dockerOptions(host, {}, files({}));
    expect(refused).toThrow(/is plain tcp:\/\/ to a host that is not loopback/);
    expect(refused).toThrow(/DOCKER_TLS_VERIFY=1 .*ssh:\/\/user@host.*NCO_DOCKER_ALLOW_PLAIN_TCP=true/);
  });

  it.each(['true', 'TRUE', '1'])('speaks plain HTTP to a remote tcp:// with NCO_DOCKER_ALLOW_PLAIN_TCP=%s', (v) => {
    expect(dockerOptions('tcp://docker.example', { NCO_DOCKER_ALLOW_PLAIN_TCP: v }, files({}))).toEqual({
      host: 'docker.example',
      port: 2375,
      protocol: 'http',
    });
  });

  it.each(['', 'false', '0', 'yes'])('still refuses a remote plain tcp:// with NCO_DOCKER_ALLOW_PLAIN_TCP=%j', (v) => {
    expect(() => dockerOptions('tcp://10.1.2.3', { NCO_DOCKER_ALLOW_PLAIN_TCP: v }, files({}))).toThrow('not loopback');
  });

  it('needs no opt-in for a remote tcp:// with DOCKER_TLS_VERIFY', () => {
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
    expect(dockerOptions('tcp://10.1.2.3', env, files(TLS_FILES))).toMatchObject({ protocol: 'https' });
  });

  it('speaks TLS with the client certificates of DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set, on port 2376 by default', () => {
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
    const options = dockerOptions('tcp://docker.example', env, files(TLS_FILES));
    expect(options).toMatchObject({ host: 'docker.example', port: 2376, protocol: 'https' });
    expect([options.ca, options.cert, options.key].map(String)).toEqual(['CA', 'CERT', 'KEY']);
  });

  it('looks for the certificates in ~/.docker when DOCKER_CERT_PATH is unset', () => {
    const home = { '/home/op/.docker/ca.pem': 'CA', '/home/op/.docker/cert.pem': 'C', '/home/op/.docker/key.pem': 'K' };
    const options = dockerOptions('tcp://10.1.2.3:12376', { DOCKER_TLS_VERIFY: '1' }, files(home));
    expect(options).toMatchObject({ host: '10.1.2.3', port: 12376, protocol: 'https' });
  });

  it('strips the brackets of an IPv6 address', () => {
    expect(dockerOptions('tcp://[::1]:2375', {}, files({}))).toMatchObject({ host: '::1', port: 2375 });
  });

  it('names the missing certificate file instead of connecting without it', () => {
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
    expect(() => dockerOptions('tcp://docker.example:2376', env, files({ '/certs/ca.pem': 'CA' }))).toThrow(
      '/certs/cert.pem is missing; it is needed to reach Docker at tcp://docker.example:2376',
    );
  });

  it('connects over SSH as the user of the URL, with the key and known_hosts of ~/.ssh', () => {
    const ssh = { '/home/op/.ssh/id_ed25519': 'PRIVATE', '/home/op/.ssh/known_hosts': KNOWN };
    const options = dockerOptions('ssh://deploy@docker.example:2222', {}, files(ssh));
    expect(options).toMatchObject({ protocol: 'ssh', host: 'docker.example', port: 2222, username: 'deploy' });
    expect(String(options.sshOptions?.privateKey)).toBe('PRIVATE');
    expect(typeof options.sshOptions?.hostVerifier).toBe('function');
  });

  it('uses the SSH agent when there is no key file', () => {
    const options = dockerOptions(
      'ssh://deploy@docker.example',
      { SSH_AUTH_SOCK: '/run/agent' },
      files({
        '/home/op/.ssh/known_hosts': KNOWN,
      }),
    );
    expect(options).toMatchObject({ port: 22, sshOptions: { agent: '/run/agent' } });
    expect(options.sshOptions?.privateKey).toBeUndefined();
  });

  it('refuses SSH without known_hosts: the host key could not be checked', () => {
    const ssh = { '/home/op/.ssh/id_rsa': 'PRIVATE' };
    expect(() => dockerOptions('ssh://deploy@docker.example', {}, files(ssh))).toThrow(
      '/home/op/.ssh/known_hosts is missing',
    );
  });

  it('refuses SSH without a user, a key or an agent', () => {
    const ssh = { '/home/op/.ssh/known_hosts': KNOWN };
    expect(() => dockerOptions('ssh://docker.example', {}, files(ssh))).toThrow('names no user');
    expect(() => dockerOptions('ssh://deploy@docker.example', {}, files(ssh))).toThrow('needs a key');
  });

  it('refuses a scheme it does not know', () => {
    expect(() => dockerOptions('http://docker.example', {}, files({}))).toThrow(
      'the scheme must be unix://, tcp:// or ssh://',
    );
  });
});

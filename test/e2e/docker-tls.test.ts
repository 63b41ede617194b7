// Docker over tcp with TLS client certificates, as the chart's docker.mode=tcp configures it:
// DOCKER_HOST, DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH holding ca.pem, cert.pem and key.pem.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCerts, openssl, signLeaf } from '../../src/local/certs.ts';
import { startDockerTlsProxy, type TlsProxy } from '../env/docker-tls-proxy.ts';
import { cacheDir, runDir } from '../../src/local/paths.ts';
import { logTail, type ProcessHandle } from '../../src/local/processes.ts';
import { dockerSocketPath, runHelloThroughItsLife } from './packaging.ts';
import { createNamespace, startOperator } from './support.ts';
import { cleanupSteps } from './cleanup.ts';

describe('the operator reaching Docker over tcp with TLS client certificates', () => {
  let proxy: TlsProxy;
  let certPath: string;
  let untrustingCertPath: string;
  let operator: ProcessHandle | undefined;

  beforeAll(async () => {
    const dir = runDir('docker-tls');
    const ca = await ensureCerts(join(cacheDir(), 'pki'));
    const here = { ...ca, dir };
    await signLeaf(here, 'server', '/CN=docker', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await signLeaf(here, 'client', '/CN=native-container-operator', 'extendedKeyUsage=clientAuth\n');
    certPath = certDir(join(dir, 'client-certs'), ca.caCert, dir);
    // The same client certificate, but ca.pem is a CA that did not sign the server's certificate.
    const otherCa = join(dir, 'other-ca.crt');
    await openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
        '-keyout',
        join(dir, 'other-ca.key'),
        '-out',
        otherCa,
        '-days',
        '1',
        '-subj',
        '/CN=other-ca',
      ]),
    );
    untrustingCertPath = certDir(join(dir, 'untrusting-certs'), otherCa, dir);
    proxy = await startDockerTlsProxy({
      socketPath: dockerSocketPath(),
      ca: readFileSync(ca.caCert, 'utf8'),
      cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
      key: readFileSync(join(dir, 'server.key'), 'utf8'),
    });
  });

  afterAll(async () => {
    await cleanupSteps([() => operator?.stop(), () => proxy?.stop()]);
  });

  it('runs a NativeContainer from apply through Ready to delete', async () => {
    const ns = await createNamespace('docker-tls');
    operator = startOperator('docker-tls', {
      DOCKER_HOST: proxy.host,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certPath,
    });
    await runHelloThroughItsLife(ns, operator);
    expect(proxy.authorized()).toBeGreaterThan(0);
    await operator.stop();
  });

  it('refuses to start when ca.pem did not sign the Docker server certificate', async () => {
    const refused = startOperator('docker-tls-untrusting', {
      DOCKER_HOST: proxy.host,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: untrustingCertPath,
    });
    expect(await refused.exited).toBe(1);
    const log = logTail(refused.logFile);
    expect(log).toContain('could not start');
    expect(log).toContain('self-signed certificate in certificate chain');
  });

  it('refuses to start with plain tcp:// (no TLS) to an address that is not loopback, saying how to fix it', async () => {
    // 192.0.2.1 is TEST-NET-1: refused before any connection, so nothing is ever sent there.
    const refused = startOperator('docker-plain-tcp', { DOCKER_HOST: 'tcp://192.0.2.1:2375' });
    expect(await refused.exited).toBe(1);
    const log = logTail(refused.logFile);
    expect(log).toContain(
      'could not start: DOCKER_HOST tcp://192.0.2.1:2375 is plain tcp:// to a host that is not loopback',
    );
    expect(log).toContain('DOCKER_TLS_VERIFY=1');
    expect(log).toContain('NCO_DOCKER_ALLOW_PLAIN_TCP=true');
  });
});

/** A DOCKER_CERT_PATH: ca.pem, and the client's cert.pem and key.pem signed in `from`. */
function certDir(dir: string, caCert: string, from: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(caCert, join(dir, 'ca.pem'));
  copyFileSync(join(from, 'client.crt'), join(dir, 'cert.pem'));
  copyFileSync(join(from, 'client.key'), join(dir, 'key.pem'));
  return dir;
}

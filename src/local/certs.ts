import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertPaths {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  /** CA that kube-apiserver trusts for client certificates (the same CA here). */
  clientCaCert: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** CA of the aggregation layer's front proxy (--requestheader-client-ca-file), apart from the client CA. */
  frontProxyCaCert: string;
  frontProxyCaKey: string;
  /** kube-apiserver's client certificate towards aggregated API servers (CN front-proxy-client). */
  frontProxyClientCert: string;
  frontProxyClientKey: string;
}

/** The CN that --requestheader-allowed-names lets proxy requests to aggregated API servers. */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

const DAYS = '3650';

export function certPaths(dir: string): CertPaths {
  const f = (name: string): string => join(dir, name);
  return {
    dir,
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    servingCert: f('apiserver.crt'),
    servingKey: f('apiserver.key'),
    clientCaCert: f('ca.crt'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
    frontProxyCaCert: f('front-proxy-ca.crt'),
    frontProxyCaKey: f('front-proxy-ca.key'),
    frontProxyClientCert: f('front-proxy-client.crt'),
    frontProxyClientKey: f('front-proxy-client.key'),
  };
}

/**
 * Creates the PKI a local kube-apiserver needs with the openssl CLI.
 * Existing files are kept; a missing CA invalidates everything signed by it.
 */
export async function ensureCerts(dir: string): Promise<CertPaths> {
  mkdirSync(dir, { recursive: true });
  const release = await lock(`${dir}.lock`);
  try {
    return await generateMissing(certPaths(dir));
  } finally {
    release();
  }
}

// Parallel test workers may share one cert dir; without a lock two could write different CAs.
async function lock(path: string): Promise<() => void> {
  for (let i = 0; ; i++) {
    try {
      mkdirSync(path);
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A holder that died leaves the lock behind; generating certs takes a couple of seconds.
      const since = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 30_000 || i > 600) rmSync(path, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function generateMissing(p: CertPaths): Promise<CertPaths> {
  if (!existsSync(p.caCert) || !existsSync(p.caKey)) {
    for (const file of [p.servingCert, p.servingKey, p.adminCert, p.adminKey]) {
      rmSync(file, { force: true });
    }
    await selfSignedCa(p.caKey, p.caCert, '/CN=nco-test-ca');
  }
  if (!existsSync(p.servingCert) || !existsSync(p.servingKey)) {
    // 10.0.0.1 is the `kubernetes` service IP in --service-cluster-ip-range=10.0.0.0/24.
    const san = 'IP:127.0.0.1,IP:::1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc';
    await signLeaf(p, 'apiserver', '/CN=kube-apiserver', `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  }
  if (!existsSync(p.adminCert) || !existsSync(p.adminKey)) {
    await signLeaf(p, 'admin', '/O=system:masters/CN=admin', 'extendedKeyUsage=clientAuth\n');
  }
  if (!existsSync(p.serviceAccountKey) || !existsSync(p.serviceAccountPub)) {
    await openssl(['genrsa', '-out', p.serviceAccountKey, '2048']);
    await openssl(['rsa', '-in', p.serviceAccountKey, '-pubout', '-out', p.serviceAccountPub]);
  }
  await generateFrontProxy(p);
  return p;
}

// A CA of its own, as kubeadm does: a certificate of the client CA (admin's) must not pass for the
// front proxy, which may say who the user is in headers.
async function generateFrontProxy(p: CertPaths): Promise<void> {
  if (!existsSync(p.frontProxyCaCert) || !existsSync(p.frontProxyCaKey)) {
    rmSync(p.frontProxyClientCert, { force: true });
    await selfSignedCa(p.frontProxyCaKey, p.frontProxyCaCert, '/CN=nco-test-front-proxy-ca');
  }
  if (!existsSync(p.frontProxyClientCert) || !existsSync(p.frontProxyClientKey)) {
    const ca = { ...p, caCert: p.frontProxyCaCert, caKey: p.frontProxyCaKey };
    await signLeaf(ca, 'front-proxy-client', `/CN=${FRONT_PROXY_CLIENT}`, 'extendedKeyUsage=clientAuth\n');
  }
}

async function selfSignedCa(key: string, cert: string, subject: string): Promise<void> {
  await openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
      .concat(['-nodes', '-keyout', key, '-out', cert, '-days', DAYS])
      .concat(['-subj', subject, '-addext', 'basicConstraints=critical,CA:TRUE'])
      .concat(['-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']),
  );
}

/** A serving certificate signed by the CA of `p` for the given DNS names, as ${base}.crt and ${base}.key. */
export async function signServing(p: CertPaths, base: string, dnsNames: string[]): Promise<void> {
  const san = dnsNames.map((d) => `DNS:${d}`).join(',');
  await signLeaf(p, base, `/CN=${dnsNames[0] ?? base}`, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
}

/** Signs a leaf certificate with the CA of `p`, writing ${base}.key and ${base}.crt into p.dir. */
export async function signLeaf(p: CertPaths, base: string, subject: string, ext: string): Promise<void> {
  const key = join(p.dir, `${base}.key`);
  const csr = join(p.dir, `${base}.csr`);
  const extFile = join(p.dir, `${base}.ext`);
  writeFileSync(extFile, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n${ext}`);
  await openssl(
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      subject,
    ]),
  );
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial']
      .concat(['-CAserial', join(p.dir, 'ca.srl'), '-out', join(p.dir, `${base}.crt`)])
      .concat(['-days', DAYS, '-extfile', extFile]),
  );
  rmSync(csr, { force: true });
}

export async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

// Good and bad specs, fed both to the operator's validator (test/unit/validate.test.ts) and to
// the real API server (test/e2e/validation.test.ts), which must agree with each other and
// with `valid`. Each case says in words what it checks.
export interface ValidationCase {
  what: string;
  kind: 'NativeContainer' | 'ContainerSecret' | 'ImageBuild';
  spec: unknown;
  valid: boolean;
}

const long = (n: number, c = 'a'): string => c.repeat(n);
const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

const nc = (what: string, spec: unknown, valid: boolean): ValidationCase => ({
  what,
  kind: 'NativeContainer',
  spec,
  valid,
});
const csec = (what: string, spec: unknown, valid: boolean): ValidationCase => ({
  what,
  kind: 'ContainerSecret',
  spec,
  valid,
});
const ib = (what: string, spec: unknown, valid: boolean): ValidationCase => ({
  what,
  kind: 'ImageBuild',
  spec,
  valid,
});
const img = (image: string) => ({ image });
const build = (spec: Record<string, unknown> = {}) => ({
  dockerfile: 'FROM busybox:1.37\n',
  image: 'registry.example.com/team/app:1',
  secretRef: { name: 'push' },
  ...spec,
});

export const VALIDATION_CASES: ValidationCase[] = [
  // image grammar and JD's length limits
  nc('a Docker Hub name', img('nginx'), true),
  nc('a Docker Hub name with a tag', img('nginx:1.27'), true),
  nc('a Docker Hub user repository', img('mysql/mysql-server:8.0'), true),
  nc('a private registry with a port', img('127.0.0.1:5000/team/app:v1'), true),
  nc('a private registry host name', img('registry.example.com/app'), true),
  nc('localhost as registry', img('localhost/app:v1'), true),
  nc('a digest', img(`registry.example.com/app@${DIGEST}`), true),
  nc('a tag and a digest', img(`app:v1@${DIGEST}`), true),
  nc('separators . _ __ and - in a repository', img('a.b_c__d---e/f:g'), true),
  nc('an empty image', img(''), false),
  nc('upper case in the repository', img('Nginx'), false),
  nc('a space in the image', img('nginx :1'), false),
  nc('a tag of 128 characters', img(`app:${long(128)}`), true),
  nc('a tag of 129 characters', img(`app:${long(129)}`), false),
  nc('a tag starting with a dot', img('app:.v1'), false),
  nc('a repository of 256 characters', img(long(256)), true),
  nc('a repository of 257 characters', img(long(257)), false),
  nc('a registry of 255 characters', img(`${long(251)}.com/app`), true),
  nc('a registry of 256 characters', img(`${long(252)}.com/app`), false),
  nc('a digest that is too short', img('app@sha256:0123'), false),
  nc('a trailing slash', img('app/'), false),
  nc('a double slash', img('a//b'), false),
  nc('a leading separator', img('-app'), false),
  // pull policy and secretRef
  nc('imagePullPolicy Never', { image: 'a:1', imagePullPolicy: 'Never' }, true),
  nc('an unknown imagePullPolicy', { image: 'a:1', imagePullPolicy: 'Sometimes' }, false),
  nc('a secretRef', { image: 'r.io/a:1', secretRef: { name: 'creds' } }, true),
  nc('a secretRef without a name', { image: 'r.io/a:1', secretRef: {} }, false),
  // process
  nc('command and args', { image: 'a:1', command: ['/bin/sh', '-c'], args: ['echo hi'] }, true),
  nc('a command that is a string', { image: 'a:1', command: '/bin/sh -c' }, false),
  nc('tty and stdin', { image: 'a:1', tty: true, stdin: true }, true),
  nc('tty that is a string', { image: 'a:1', tty: 'yes' }, false),
  nc('an absolute workingDir', { image: 'a:1', workingDir: '/srv/app' }, true),
  nc('a relative workingDir', { image: 'a:1', workingDir: 'srv/app' }, false),
  // env
  nc('env values', { image: 'a:1', env: [{ name: 'A', value: '1' }, { name: 'b.c-d_e' }] }, true),
  nc(
    'duplicate env names',
    {
      image: 'a:1',
      env: [
        { name: 'A', value: '1' },
        { name: 'A', value: '2' },
      ],
    },
    false,
  ),
  nc('an env name starting with a digit', { image: 'a:1', env: [{ name: '1A' }] }, false),
  nc(
    'env from a Secret key',
    { image: 'a:1', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] },
    true,
  ),
  nc(
    'env from a ConfigMap key, optional',
    { image: 'a:1', env: [{ name: 'P', valueFrom: { configMapKeyRef: { name: 'c', key: 'k', optional: true } } }] },
    true,
  ),
  nc(
    'env with both value and valueFrom',
    { image: 'a:1', env: [{ name: 'P', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] },
    false,
  ),
  nc(
    'valueFrom with both a Secret and a ConfigMap',
    {
      image: 'a:1',
      env: [
        { name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } } },
      ],
    },
    false,
  ),
  nc('valueFrom with neither', { image: 'a:1', env: [{ name: 'P', valueFrom: {} }] }, false),
  nc(
    'a secretKeyRef without a key',
    { image: 'a:1', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 's' } } }] },
    false,
  ),
  // hostname, JD's rules
  nc('a one-label hostname', { image: 'a:1', hostname: 'web-1' }, true),
  nc('a dotted hostname in mixed case', { image: 'a:1', hostname: 'Web-1.Example.com' }, true),
  nc('a hostname starting with -', { image: 'a:1', hostname: '-web' }, false),
  nc('a hostname label ending with -', { image: 'a:1', hostname: 'web-.example' }, false),
  nc('a hostname ending with a dot', { image: 'a:1', hostname: 'web.' }, false),
  nc('a hostname with two dots in a row', { image: 'a:1', hostname: 'a..b' }, false),
  nc('a hostname with an underscore', { image: 'a:1', hostname: 'web_1' }, false),
  nc('a hostname of 63 characters', { image: 'a:1', hostname: `${long(31)}.${long(31)}` }, true),
  nc('a hostname of 64 characters', { image: 'a:1', hostname: `${long(32)}.${long(31)}` }, false),
  // labels and description
  nc(
    'labels and a description',
    { image: 'a:1', labels: { team: 'a', 'example.com/tier': 'web' }, description: 'x' },
    true,
  ),
  nc('a label with the operator prefix', { image: 'a:1', labels: { 'nativecontainer.io/owner-uid': 'x' } }, false),
  nc('a label value that is a number', { image: 'a:1', labels: { n: 1 } }, false),
  nc('a description of 257 characters', { image: 'a:1', description: long(257) }, false),
  // resources
  nc('cpu and memory as strings', { image: 'a:1', resources: { cpu: '500m', memory: '256Mi' } }, true),
  nc('cpu and memory as numbers', { image: 'a:1', resources: { cpu: 2, memory: 67108864 } }, true),
  nc('a cpu of 1.5', { image: 'a:1', resources: { cpu: '1.5' } }, true),
  nc('a cpu below 10m', { image: 'a:1', resources: { cpu: '5m' } }, false),
  nc('a cpu that is not a quantity', { image: 'a:1', resources: { cpu: 'two' } }, false),
  nc('a negative memory', { image: 'a:1', resources: { memory: '-1Gi' } }, false),
  nc('a memory of exactly 6Mi', { image: 'a:1', resources: { memory: '6Mi' } }, true),
  nc('a memory below 6Mi', { image: 'a:1', resources: { memory: '5Mi' } }, false),
  // volumes
  nc(
    'a volume',
    { image: 'a:1', volumes: [{ name: 'data', mountPath: '/data', readOnly: true, autoDelete: false }] },
    true,
  ),
  nc(
    'seven volumes',
    { image: 'a:1', volumes: [1, 2, 3, 4, 5, 6, 7].map((i) => ({ name: `v${i}`, mountPath: `/v${i}` })) },
    true,
  ),
  nc(
    'eight volumes',
    { image: 'a:1', volumes: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ name: `v${i}`, mountPath: `/v${i}` })) },
    false,
  ),
  nc(
    'two volumes with one name',
    {
      image: 'a:1',
      volumes: [
        { name: 'a', mountPath: '/a' },
        { name: 'a', mountPath: '/b' },
      ],
    },
    false,
  ),
  nc(
    'two volumes on one mountPath',
    {
      image: 'a:1',
      volumes: [
        { name: 'a', mountPath: '/a' },
        { name: 'b', mountPath: '/a' },
      ],
    },
    false,
  ),
  nc('a volume mounted at /', { image: 'a:1', volumes: [{ name: 'a', mountPath: '/' }] }, false),
  nc('a volume on a relative path', { image: 'a:1', volumes: [{ name: 'a', mountPath: 'data' }] }, false),
  nc('a volume name with upper case', { image: 'a:1', volumes: [{ name: 'Data', mountPath: '/data' }] }, false),
  nc('a volume host path', { image: 'a:1', volumes: [{ name: 'a', mountPath: '/a', hostPath: '/etc' }] }, false),
  // ports
  nc(
    'ports, one published on 127.0.0.1',
    {
      image: 'a:1',
      ports: [
        { containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1' },
        { containerPort: 53, protocol: 'UDP' },
      ],
    },
    true,
  ),
  nc(
    'one port for TCP and UDP',
    { image: 'a:1', ports: [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }] },
    true,
  ),
  nc(
    'the same port twice',
    { image: 'a:1', ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }] },
    false,
  ),
  nc('a port of 0', { image: 'a:1', ports: [{ containerPort: 0 }] }, false),
  nc('a port above 65535', { image: 'a:1', ports: [{ containerPort: 65536 }] }, false),
  nc('an unknown protocol', { image: 'a:1', ports: [{ containerPort: 80, protocol: 'HTTP' }] }, false),
  nc('a hostIP without a hostPort', { image: 'a:1', ports: [{ containerPort: 80, hostIP: '127.0.0.1' }] }, false),
  nc(
    'one hostPort published twice',
    {
      image: 'a:1',
      ports: [
        { containerPort: 80, hostPort: 8080 },
        { containerPort: 81, hostPort: 8080 },
      ],
    },
    false,
  ),
  nc('an IPv6 hostIP', { image: 'a:1', ports: [{ containerPort: 80, hostPort: 8080, hostIP: '::1' }] }, true),
  nc(
    'a hostIP that is no address',
    { image: 'a:1', ports: [{ containerPort: 80, hostPort: 8080, hostIP: 'localhost' }] },
    false,
  ),
  nc(
    'a hostIP with a leading zero',
    { image: 'a:1', ports: [{ containerPort: 80, hostPort: 8080, hostIP: '127.0.0.01' }] },
    false,
  ),
  nc(
    'an IPv4-mapped IPv6 hostIP',
    { image: 'a:1', ports: [{ containerPort: 80, hostPort: 8080, hostIP: '::ffff:127.0.0.1' }] },
    false,
  ),
  // restart policy, healthcheck, state, stop, logging, requests
  nc('restartPolicy OnFailure with maxRetries', { image: 'a:1', restartPolicy: 'OnFailure', maxRetries: 3 }, true),
  nc('maxRetries with restartPolicy Always', { image: 'a:1', restartPolicy: 'Always', maxRetries: 3 }, false),
  nc('maxRetries without a restartPolicy', { image: 'a:1', maxRetries: 3 }, false),
  nc('restartPolicy UnlessStopped', { image: 'a:1', restartPolicy: 'UnlessStopped' }, true),
  nc('an unknown restartPolicy', { image: 'a:1', restartPolicy: 'Sometimes' }, false),
  nc('a healthcheck', { image: 'a:1', healthcheck: { command: ['true'], intervalSeconds: 5, retries: 2 } }, true),
  nc('a healthcheck without a command', { image: 'a:1', healthcheck: { intervalSeconds: 5 } }, false),
  nc('a healthcheck with an empty command', { image: 'a:1', healthcheck: { command: [] } }, false),
  nc('a healthcheck interval of 0', { image: 'a:1', healthcheck: { command: ['true'], intervalSeconds: 0 } }, false),
  nc('state Paused', { image: 'a:1', state: 'Paused' }, true),
  nc('an unknown state', { image: 'a:1', state: 'Sleeping' }, false),
  nc('a stop signal and timeout', { image: 'a:1', stopSignal: 'SIGINT', stopTimeoutSeconds: 30 }, true),
  nc('an unknown stop signal', { image: 'a:1', stopSignal: 'SIGFOO' }, false),
  nc('a negative stop timeout', { image: 'a:1', stopTimeoutSeconds: -1 }, false),
  nc(
    'json-file logging of 3 files of 20m',
    { image: 'a:1', logging: { driver: 'json-file', maxSize: '20m', maxFiles: 3 } },
    true,
  ),
  nc('an unknown log driver', { image: 'a:1', logging: { driver: 'syslog' } }, false),
  nc('a log size without a unit', { image: 'a:1', logging: { maxSize: '10' } }, false),
  nc(
    'restart and rebuild requests',
    { image: 'a:1', restartRequest: '2026-11-22T10:00:00Z', rebuildRequest: '1' },
    true,
  ),
  nc('a spec without an image', { command: ['true'] }, false),
  nc('imageFrom an ImageBuild instead of an image', { imageFrom: { imageBuild: 'app' } }, true),
  nc('both an image and imageFrom', { image: 'a:1', imageFrom: { imageBuild: 'app' } }, false),
  nc('imageFrom without a name', { imageFrom: {} }, false),
  // ContainerSecret
  csec(
    'a username and a password Secret',
    { server: '127.0.0.1:5000', username: 'u', passwordSecretRef: { name: 's' } },
    true,
  ),
  csec(
    'a password Secret with its own key',
    { server: 'registry.example.com', username: 'u', passwordSecretRef: { name: 's', key: 'token' } },
    true,
  ),
  csec('a docker config Secret', { server: 'https://index.docker.io/v1/', dockerConfigSecretRef: { name: 'd' } }, true),
  csec('no credentials at all', { server: 'r.io' }, false),
  csec(
    'both kinds of credentials',
    { server: 'r.io', username: 'u', passwordSecretRef: { name: 's' }, dockerConfigSecretRef: { name: 'd' } },
    false,
  ),
  csec('a password Secret without a username', { server: 'r.io', passwordSecretRef: { name: 's' } }, false),
  csec(
    'a username with a docker config Secret',
    { server: 'r.io', username: 'u', dockerConfigSecretRef: { name: 'd' } },
    false,
  ),
  csec('no server', { username: 'u', passwordSecretRef: { name: 's' } }, false),
  csec('a server with a space', { server: 'r io', username: 'u', passwordSecretRef: { name: 's' } }, false),
  csec('an inline password', { server: 'r.io', username: 'u', password: 'hunter2' }, false),
  // ImageBuild
  ib('an inline Dockerfile', build(), true),
  ib('a Dockerfile from a ConfigMap', build({ dockerfile: undefined, dockerfileFrom: { name: 'c', key: 'k' } }), true),
  ib('both kinds of Dockerfile', build({ dockerfileFrom: { name: 'c', key: 'k' } }), false),
  ib('no Dockerfile', build({ dockerfile: undefined }), false),
  ib('no secretRef', build({ secretRef: undefined }), false),
  ib('an image with a digest', build({ image: `registry.example.com/app@${DIGEST}` }), false),
  ib(
    'context files from a ConfigMap and a Secret, hidden files too',
    build({
      context: [
        { path: 'conf/app.json', configMapKeyRef: { name: 'c', key: 'k' } },
        { path: '.npmrc', mode: 384, secretKeyRef: { name: 's', key: 'k' } },
      ],
    }),
    true,
  ),
  ib(
    'a context file going up with ..',
    build({ context: [{ path: '../etc/passwd', configMapKeyRef: { name: 'c', key: 'k' } }] }),
    false,
  ),
  ib(
    'an absolute context path',
    build({ context: [{ path: '/etc/passwd', configMapKeyRef: { name: 'c', key: 'k' } }] }),
    false,
  ),
  ib(
    'a context file named Dockerfile',
    build({ context: [{ path: 'Dockerfile', configMapKeyRef: { name: 'c', key: 'k' } }] }),
    false,
  ),
  ib(
    'a context file from both kinds of source',
    build({
      context: [{ path: 'a', configMapKeyRef: { name: 'c', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } }],
    }),
    false,
  ),
  ib(
    'two context files with one path',
    build({
      context: [
        { path: 'a', configMapKeyRef: { name: 'c', key: 'k' } },
        { path: 'a', configMapKeyRef: { name: 'c', key: 'j' } },
      ],
    }),
    false,
  ),
  ib(
    'build args, target, labels, limits and a timeout',
    build({
      buildArgs: { V: '1' },
      target: 'final',
      noCache: true,
      pull: true,
      labels: { team: 'a' },
      description: 'd',
      overwriteTag: true,
      resources: { cpu: '500m', memory: '256Mi' },
      timeoutSeconds: 60,
      buildRequest: '2',
    }),
    true,
  ),
  ib('a label of the operator', build({ labels: { 'nativecontainer.io/imagebuild-uid': 'x' } }), false),
  ib('a timeout of 0', build({ timeoutSeconds: 0 }), false),
  ib('too little memory', build({ resources: { memory: '1Mi' } }), false),
  // What real workloads need (issue 12): the schema's part; policies are tested on their own.
  // Valid cases use only what the built-in default policy allows: the API server's admission
  // policy refuses the rest (test/e2e/policy.test.ts), which is not the schema's business.
  nc(
    'every workload field the default policy allows, at once',
    {
      image: 'b',
      networkMode: 'none',
      dns: ['10.0.0.53', '::1'],
      dnsSearch: ['example.com'],
      extraHosts: [{ hostname: 'db.local', ip: '10.1.2.3' }],
      securityContext: {
        user: '1000:1000',
        readOnlyRootFilesystem: true,
        capabilities: { add: ['CHOWN'], drop: ['ALL'] },
        noNewPrivileges: true,
        seccompProfile: { type: 'RuntimeDefault' },
        init: true,
      },
      tmpfs: [{ mountPath: '/scratch', size: '64Mi' }],
      shmSize: '1Gi',
      sysctls: { 'net.core.somaxconn': '1024' },
      ulimits: [{ name: 'nofile', soft: 1024, hard: 4096 }],
      pidsLimit: 100,
      ipcMode: 'shareable',
    },
    true,
  ),
  nc('networks with networkMode none', { image: 'b', networkMode: 'none', networks: [{ name: 'a' }] }, false),
  nc('networks with networkMode host', { image: 'b', networkMode: 'host', networks: [{ name: 'a' }] }, false),
  nc('a network named host', { image: 'b', networks: [{ name: 'host' }] }, false),
  nc('a networkMode of another container', { image: 'b', networkMode: 'container:x' }, false),
  nc('a host path climbing out with ..', { image: 'b', hostPaths: [{ path: '/data/../etc', mountPath: '/d' }] }, false),
  nc('a host path with a trailing slash', { image: 'b', hostPaths: [{ path: '/data/', mountPath: '/d' }] }, false),
  nc('a host path that is relative', { image: 'b', hostPaths: [{ path: 'data', mountPath: '/d' }] }, false),
  nc(
    'a host path and a volume on one mountPath',
    { image: 'b', volumes: [{ name: 'v', mountPath: '/d' }], hostPaths: [{ path: '/srv', mountPath: '/d' }] },
    false,
  ),
  nc(
    'a tmpfs and a volume on one mountPath',
    { image: 'b', volumes: [{ name: 'v', mountPath: '/d' }], tmpfs: [{ mountPath: '/d' }] },
    false,
  ),
  nc('a tmpfs of 1 KiB', { image: 'b', tmpfs: [{ mountPath: '/t', size: '1Ki' }] }, false),
  nc('a device outside /dev', { image: 'b', devices: [{ path: '/etc/shadow' }] }, false),
  nc('device permissions out of order', { image: 'b', devices: [{ path: '/dev/fuse', permissions: 'wr' }] }, false),
  nc('GPUs by count and device IDs both', { image: 'b', gpus: { count: 1, deviceIDs: ['0'] } }, false),
  nc('zero GPUs', { image: 'b', gpus: { count: 0 } }, false),
  nc('a lowercase capability', { image: 'b', securityContext: { capabilities: { add: ['net_admin'] } } }, false),
  nc('a user name instead of a uid', { image: 'b', securityContext: { user: 'root' } }, false),
  nc('a Localhost seccomp profile', { image: 'b', securityContext: { seccompProfile: { type: 'Localhost' } } }, false),
  nc(
    'an ulimit whose soft limit exceeds its hard one',
    { image: 'b', ulimits: [{ name: 'nofile', soft: 2, hard: 1 }] },
    false,
  ),
  nc('a pids limit of 0', { image: 'b', pidsLimit: 0 }, false),
  nc('pidMode private', { image: 'b', pidMode: 'private' }, false),
  nc('a DNS server that is a name', { image: 'b', dns: ['dns.example.com'] }, false),
];

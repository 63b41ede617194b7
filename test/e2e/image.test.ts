// The operator's image: the Dockerfile built by a real `docker build` (the base images are local
// stand-ins, test/env/node-images.ts), then run the way the chart runs it: non-root in the Docker
// socket's group, read-only root, no capabilities, the chart's ServiceAccount token.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCli, dockerCliCommand } from '../../src/local/docker-cli.ts';
import { execError } from '../../src/local/exec.ts';
import { buildNodeStandIns } from '../env/node-images.ts';
import { runDir } from '../../src/local/paths.ts';
import { freePort, startProcess, type ProcessHandle } from '../../src/local/processes.ts';
import { chartIdentity, dockerSocketPath, type Identity, runHelloThroughItsLife } from './packaging.ts';
import { createNamespace, env, kubectl, ROOT } from './support.ts';
import { cleanupSteps } from './cleanup.ts';

const IMAGE = 'nco-test/operator:e2e';
const BUILD_STAGE = 'nco-test/operator-build:e2e';
const LABEL = 'nco-test.image=operator';
const CONTAINER = 'nco-e2e-operator-image';

describe('the operator image', () => {
  const daemon = { host: env().dockerHost };
  let identity: Identity | undefined;
  let operator: ProcessHandle | undefined;

  beforeAll(async () => {
    const base = await buildNodeStandIns(daemon, join(ROOT, 'package-lock.json'));
    // --network=none: the build must not need anything but its context and base images.
    // --force-rm: the classic builder keeps the container of a failed step otherwise.
    const build = async (args: string[]): Promise<void> => {
      const res = await dockerCli(daemon, [
        'build',
        '--network=none',
        '--force-rm',
        `--label=${LABEL}`,
        `--build-arg=BUILD_IMAGE=${base.build}`,
        `--build-arg=RUNTIME_IMAGE=${base.runtime}`,
        ...args,
        ROOT,
      ]);
      if (res.code !== 0) throw execError(`docker build ${args.join(' ')}`, res);
    };
    // The build stage keeps a tag, and so its layers (npm ci) stay cached for the next run, while
    // the untagged leftovers of earlier runs (after a lockfile change, some 500 MB) are pruned.
    await build(['--target=build', `--tag=${BUILD_STAGE}`]);
    await build([`--tag=${IMAGE}`]);
    await dockerCli(daemon, ['image', 'prune', '--force', `--filter=label=${LABEL}`]);
  });

  afterAll(async () => {
    await cleanupSteps([
      () => operator?.stop(),
      () => dockerCli(daemon, ['rm', '--force', CONTAINER]),
      () => dockerCli(daemon, ['image', 'rm', IMAGE]),
      () => identity && kubectl(['delete', '-f', '-', '--ignore-not-found'], { input: identity.manifests }),
    ]);
  });

  it('runs as a non-root user unless told otherwise', async () => {
    const user = await dockerCli(daemon, ['image', 'inspect', '--format', '{{.Config.User}}', IMAGE]);
    expect(user.stdout.trim()).toBe('65532:65532');
    const uid = await nodeInImage('process.stdout.write(`${process.getuid()}:${process.getgid()}`)');
    expect(uid).toBe('65532:65532');
  });

  it('holds the compiled operator, its production dependencies and the CRDs, and no dev tooling', async () => {
    const listing = await nodeInImage(
      `const fs = require('node:fs');
       process.stdout.write(JSON.stringify({
         app: fs.readdirSync('/app').sort(),
         crds: fs.readdirSync('/app/crds').sort(),
         typescript: fs.existsSync('/app/node_modules/typescript'),
         vitest: fs.existsSync('/app/node_modules/vitest'),
         src: fs.existsSync('/app/src'),
       }))`,
    );
    expect(JSON.parse(listing)).toEqual({
      app: ['crds', 'dist', 'node_modules', 'package.json'],
      crds: readdirSync(join(ROOT, 'crds')).sort(),
      typescript: false,
      vitest: false,
      src: false,
    });
  });

  it('runs the operator with a read-only root and no capabilities from apply through Ready to delete', async () => {
    const home = await createNamespace('image-home');
    const work = await createNamespace('image-work');
    identity = await chartIdentity('nco-image', home);
    const socketPath = dockerSocketPath();
    const cli = dockerCliCommand(daemon);
    operator = startProcess({
      name: 'operator-image',
      command: cli.command,
      env: cli.env,
      logFile: join(runDir('operator-image'), 'operator.log'),
      args: [
        'run',
        '--rm',
        `--name=${CONTAINER}`,
        // The API server listens on 127.0.0.1 of this machine.
        '--network=host',
        '--read-only',
        '--cap-drop=ALL',
        '--security-opt=no-new-privileges',
        `--group-add=${statSync(socketPath).gid}`,
        `--volume=${socketPath}:/var/run/docker.sock`,
        `--volume=${identity.kubeconfig}:/etc/nco/kubeconfig:ro`,
        '--env=KUBECONFIG=/etc/nco/kubeconfig',
        '--env=DOCKER_HOST=unix:///var/run/docker.sock',
        '--env=NCO_NETWORK_MODE=none',
        '--env=LOG_LEVEL=debug',
        '--env=NCO_LEADER_ELECT=true',
        '--env=POD_NAME=nco-image-0',
        `--env=POD_NAMESPACE=${home}`,
        `--env=NCO_HEALTH_PORT=${await freePort()}`,
        `--env=NCO_METRICS_PORT=${await freePort()}`,
        IMAGE,
      ],
    });
    await runHelloThroughItsLife(work, operator);
    expect(operator.hasExited()).toBe(false);
  });

  async function nodeInImage(script: string): Promise<string> {
    const res = await dockerCli(daemon, ['run', '--rm', '--network=none', '--entrypoint=node', IMAGE, '-e', script]);
    if (res.code !== 0) throw execError('docker run node -e', res);
    return res.stdout;
  }
});

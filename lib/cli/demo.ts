// The demo (no --target): a local reference server hosting the example models, called
// through run() and runReturningStatus().
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { tensorflowVersion } from '../index';
import { PACKAGE_ROOT } from '../native-location';
import type { PlainTensorInput } from '../tensor';
import { Call, callAndPrint, millis } from './call';

export async function demo(program: string): Promise<number> {
  const root = PACKAGE_ROOT;
  const serverModule = path.join(root, 'test', 'support', 'reference_server.js');
  const models = path.join(root, 'test', 'fixtures', 'models');
  if (!fs.existsSync(serverModule)) {
    console.error(
      `${program}: the demo needs the repository's test/ directory (${serverModule}); use --target to call a server`,
    );
    return 1;
  }
  if (!fs.existsSync(path.join(models, 'half_plus_two'))) {
    console.error(`${program}: no example models in ${models}; make them with: python3 scripts/generate_fixtures.py`);
    return 1;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a test helper found at run time, not a dependency
  const { startReferenceServer } = require(serverModule) as {
    startReferenceServer(): Promise<{ address: string; stop(): Promise<void> }>;
  };

  console.log(`${program} demo (libtensorflow ${tensorflowVersion})`);
  const startedServer = performance.now();
  const server = await startReferenceServer();
  try {
    console.log(`reference PredictionService on ${server.address} (started in ${millis(startedServer)}), serving`);
    console.log('  half_plus_two v1 y = 0.5x + 1, v2 y = 0.5x + 2 (latest), all_dtypes, slow\n');
    const x: PlainTensorInput = { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) };
    const call = (modelName: string, statusMode: boolean): Call => ({
      options: {
        targetAddress: server.address,
        modelName,
        inputTensorAliases: ['x'],
        inputTensors: [x],
        outputTensorAliases: ['y'],
        outputTypes: ['float32'],
      },
      inputs: [{ alias: 'x', tensor: x }],
      statusMode,
    });
    let failures = 0;
    console.log('run() half_plus_two (latest version)');
    failures += await callAndPrint(call('half_plus_two', false), '  ');
    console.log('\nrunReturningStatus() half_plus_two');
    failures += await callAndPrint(call('half_plus_two', true), '  ');
    console.log('\nrunReturningStatus() no_such_model (fails: status mode reports it, outputs are zero scalars)');
    const expectedFailure = await callAndPrint(call('no_such_model', true), '  ');
    if (expectedFailure === 0) failures += 1;
    return failures === 0 ? 0 : 1;
  } finally {
    await server.stop();
  }
}

// Validation of whole resources against their CRD schemas.
import type { ValidateFunction } from 'ajv';
import { VERSION } from './group.ts';
import { compileSchema, formatErrors, loadCrdSchema } from './schema.ts';

let nativeContainerValidator: ValidateFunction | undefined;

/** Problems of a NativeContainer against the CRD schema; empty when it is valid. */
export function validateNativeContainer(obj: unknown): string[] {
  nativeContainerValidator ??= compileSchema(loadCrdSchema('nativecontainers.nativecontainer.io.yaml', VERSION));
  return nativeContainerValidator(obj) ? [] : formatErrors(nativeContainerValidator.errors);
}

/** Writes schema/tenant.schema.json from the zod schema, so editors complete and check tenant files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { TenantSchema } from './tenant-schema';

export const JSON_SCHEMA_FILE = resolve(__dirname, '../../schema/tenant.schema.json');

export function tenantJsonSchema(): string {
  const schema = z.toJSONSchema(TenantSchema, { io: 'input', unrepresentable: 'any' });
  return JSON.stringify({ ...schema, title: 'Okta ⇄ Anypoint onboarding tenant file' }, null, 2) + '\n';
}

if (require.main === module) {
  mkdirSync(resolve(JSON_SCHEMA_FILE, '..'), { recursive: true });
  writeFileSync(JSON_SCHEMA_FILE, tenantJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_FILE}`);
}

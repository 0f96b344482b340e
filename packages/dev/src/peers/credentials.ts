import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Per-state random credentials for every local peer, kept in `<state>/credentials.json` (mode 0600). Fixed local
 * passwords let any account on a shared machine log in (a PostgreSQL superuser runs programs with
 * `COPY … FROM PROGRAM`); these are as private as the state folder. Services get the app role and the AWS keys,
 * never the superuser.
 */
export interface PeerCredentials {
  readonly postgres: {
    /** The cluster's superuser (`postgres`): berth dev itself only, for creating the app role and database. */
    readonly superuserPassword: string;
    /** The app's login role: owns the app database, no superuser, what DATABASE_SECRET carries. */
    readonly appUser: string;
    readonly appPassword: string;
  };
  /** What the AWS SDK signs local S3 and SES requests with; the peers refuse any other access key. */
  readonly aws: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export const CREDENTIALS_FILE = 'credentials.json';
/** The superuser password of clusters created before credentials were per state (such a cluster is re-keyed). */
export const LEGACY_SUPERUSER_PASSWORD = 'berth';

const secret = (bytes = 24) => randomBytes(bytes).toString('base64url');

/** Reads the state folder's credentials, creating them on first use. `fresh` says they were just created. */
export function loadCredentials(stateDir: string): { credentials: PeerCredentials; fresh: boolean } {
  const file = join(stateDir, CREDENTIALS_FILE);
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as PeerCredentials;
      if (parsed.postgres?.superuserPassword && parsed.postgres.appPassword && parsed.aws?.accessKeyId)
        return { credentials: parsed, fresh: false };
    } catch {
      // unreadable: new ones below (the PostgreSQL cluster is re-keyed through its legacy password or fails clearly)
    }
  }
  const credentials: PeerCredentials = {
    postgres: { superuserPassword: secret(), appUser: 'app', appPassword: secret() },
    // An access key id looks like AKIA + 16 upper-case characters; these are local only.
    aws: {
      accessKeyId: `BERTH${randomBytes(10).toString('hex').toUpperCase().slice(0, 15)}`,
      secretAccessKey: secret(30),
    },
  };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return { credentials, fresh: true };
}

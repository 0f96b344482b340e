// s3rver ships no types: the part of its API that `berth dev` and the tests use.
declare module 's3rver' {
  import type { Server } from 'node:http';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }
  export default class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    /** The first half of run(): creates the configured buckets and applies their configs. */
    configureBuckets(): Promise<void>;
    /** The second half of run(): an http.Server for this S3rver, listening. close() closes `httpServer`. */
    listen(port: number, address: string): Promise<Server>;
    httpServer: Server | undefined;
    /** Where buckets, objects and their configs live; `cors` is the bucket's CORS configuration, if any. */
    readonly store: {
      getSubresource(
        bucket: string,
        key: undefined,
        type: 'cors',
      ): Promise<
        | { matchRule(origin: string, method: string): { hasWildcardOrigin: boolean } | undefined }
        | null
        | undefined
      >;
    };
    close(): Promise<void>;
    reset(): void;
  }
}

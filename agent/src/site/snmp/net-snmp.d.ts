// The part of net-snmp 3.x (no published types) that the SNMP poller uses.
declare module 'net-snmp' {
  namespace snmp {
    interface Varbind {
      oid: string;
      type: number;
      /** Integers as numbers, OctetString/Opaque as Buffer, Counter64 as a big-endian Buffer, OID as a dotted string. */
      value: unknown;
    }

    interface SessionOptions {
      port?: number;
      retries?: number;
      timeout?: number;
      backoff?: number;
      transport?: 'udp4' | 'udp6';
      version?: number;
      backwardsGetNexts?: boolean;
      reportOidMismatchErrors?: boolean;
      idBitsSize?: 16 | 32;
    }

    interface User {
      name: string;
      level: number;
      authProtocol?: string;
      authKey?: string;
      privProtocol?: string;
      privKey?: string;
    }

    interface Session {
      get(oids: string[], callback: (error: Error | null, varbinds?: Varbind[]) => void): Session;
      subtree(
        oid: string,
        maxRepetitions: number,
        feedCallback: (varbinds: Varbind[]) => boolean | undefined,
        doneCallback: (error: Error | null) => void,
      ): Session;
      close(): Session;
      on(event: 'error', listener: (error: Error) => void): Session;
      on(event: 'close', listener: () => void): Session;
    }

    const Version1: number;
    const Version2c: number;
    const Version3: number;
    const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
    const AuthProtocols: Record<'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512', string>;
    const PrivProtocols: Record<'des' | 'aes' | 'aes256b' | 'aes256r', string>;
    const ObjectType: Record<string, number>;
    const ErrorStatus: Record<string, number>;
    const ResponseInvalidCode: Record<string, number>;

    class RequestFailedError extends Error {
      status: number;
    }
    class RequestTimedOutError extends Error {}
    class RequestInvalidError extends Error {}
    class ResponseInvalidError extends Error {
      code: number;
    }

    function createSession(target: string, community: string, options?: SessionOptions): Session;
    function createV3Session(target: string, user: User, options?: SessionOptions): Session;
    function isVarbindError(varbind: Varbind): boolean;
  }
  export = snmp;
}

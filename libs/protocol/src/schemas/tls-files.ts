// Where a service's JSON config names its TLS files (data-node, vip-manager: `nats.tls`,
// `redis.tls`). The paths only: the runtime reads them at start (libs/runtime tls-files.ts).
import { Type } from "typebox";
import type { Static } from "typebox";

const Path = Type.String({ minLength: 1, maxLength: 4096 });

export const TlsFilesSchema = Type.Object(
  {
    /** The CA that signed the server's certificate (absent: node's bundled roots). */
    ca_file: Type.Optional(Path),
    /** This client's certificate and key, for a server that verifies clients. */
    cert_file: Type.Optional(Path),
    key_file: Type.Optional(Path),
    key_pass: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export type TlsFilesInput = Static<typeof TlsFilesSchema>;

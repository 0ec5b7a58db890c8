/** Plain numbers so a metrics exporter can read them without knowing the server. */
export interface RadiusCounters {
  received: number;
  accessRequests: number;
  accessAccepts: number;
  accessRejects: number;
  accountingRequests: number;
  accountingResponses: number;
  accountingIgnored: number;
  accountingSinkFailures: number;
  duplicates: number;
  duplicatesInFlight: number;
  droppedMalformed: number;
  droppedUnknownNas: number;
  droppedBadAuthenticator: number;
  droppedBadMessageAuthenticator: number;
  droppedMissingMessageAuthenticator: number;
  droppedUnsupportedCode: number;
  /** dropped because the sending tenant's fair-queue share was full (see RadiusServer.tenantQueueDrops) */
  droppedQueueFull: number;
  /** dropped at start-up: held too long, or past the hold's bound, before the NAS routes were loaded */
  droppedStarting: number;
  statusServer: number;
  errors: number;
}

export function newCounters(): RadiusCounters {
  return {
    received: 0,
    accessRequests: 0,
    accessAccepts: 0,
    accessRejects: 0,
    accountingRequests: 0,
    accountingResponses: 0,
    accountingIgnored: 0,
    accountingSinkFailures: 0,
    duplicates: 0,
    duplicatesInFlight: 0,
    droppedMalformed: 0,
    droppedUnknownNas: 0,
    droppedBadAuthenticator: 0,
    droppedBadMessageAuthenticator: 0,
    droppedMissingMessageAuthenticator: 0,
    droppedUnsupportedCode: 0,
    droppedQueueFull: 0,
    droppedStarting: 0,
    statusServer: 0,
    errors: 0,
  };
}

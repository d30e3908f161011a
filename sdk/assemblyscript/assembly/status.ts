// ABI §7 statuses: the closed list the host accepts in `status` (the host's
// STATUSES and the Rust SDK's `Status`; test/status-list.test.ts keeps them equal).

export const STATUS_SUCCESS = "success";
export const STATUS_CONNECTION_REFUSED = "connection-refused";
export const STATUS_CONNECTION_TIMEOUT = "connection-timeout";
export const STATUS_IO_TIMEOUT = "io-timeout";
export const STATUS_PROTOCOL_ERROR = "protocol-error";
export const STATUS_APPLICATION_ERROR = "application-error";
export const STATUS_UNKNOWN_ERROR = "unknown-error";

// ABI §7 finding severities.
export const SEVERITY_INFO = "info";
export const SEVERITY_LOW = "low";
export const SEVERITY_MEDIUM = "medium";
export const SEVERITY_HIGH = "high";
export const SEVERITY_CRITICAL = "critical";

// The port table behind `method: table_default`: the service usually found
// on a well-known port, used only when no probe got an answer we recognise.
// A short list of IANA registrations, written for wasmap.

const PORTS: i32[] = [
  21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 389, 443, 445, 465, 587, 636, 873, 993, 995,
  1433, 1521, 1883, 2049, 3306, 3389, 5432, 5672, 5900, 6379, 8080, 8443, 8883, 9200, 11211, 27017,
];
const NAMES: string[] = [
  "ftp", "ssh", "telnet", "smtp", "domain", "http", "pop3", "rpcbind", "msrpc", "netbios-ssn", "imap", "ldap", "https",
  "microsoft-ds", "smtps", "submission", "ldaps", "rsync", "imaps", "pop3s",
  "ms-sql-s", "oracle", "mqtt", "nfs", "mysql", "ms-wbt-server", "postgresql", "amqp", "vnc", "redis", "http-proxy",
  "https-alt", "secure-mqtt", "elasticsearch", "memcached", "mongodb",
];

/** The table's service name for `port`, or "" when the port is not listed. */
export function tableService(port: i32): string {
  const i = PORTS.indexOf(port);
  return i < 0 ? "" : NAMES[i];
}

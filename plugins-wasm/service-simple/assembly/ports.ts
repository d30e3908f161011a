// The port table behind `method: table_default`: the service usually found
// on a well-known port, used only when no probe got an answer we recognise.
// Written for wasmap: IANA's registered name where the database below uses
// it, else the name the database gives the service usually found there.

const PORTS: i32[] = [
  7, 9, 13, 19, 21, 22, 23, 25, 37, 43, 53, 70, 79, 80, 88, 102, 110, 111, 113, 119, 135, 139, 143, 179, 194,
  389, 443, 445, 464, 465, 502, 512, 513, 514, 515, 543, 544, 548, 554, 563, 587, 631, 636, 783, 853, 873,
  990, 992, 993, 995, 1080, 1194, 1433, 1521, 1723, 1883, 1900, 2049, 2181, 2375, 2404, 3268, 3269, 3306,
  3310, 3389, 3493, 3690, 3868, 4222, 4369, 4840, 5060, 5061, 5201, 5222, 5269, 5432, 5672, 5900, 5984,
  6000, 6379, 6566, 6640, 6653, 6667, 7687, 8009, 8080, 8333, 8443, 8883, 9042, 9092, 9100, 9200, 9418,
  10050, 10051, 11211, 11300, 25565, 27017, 28015, 61613,
];
const NAMES: string[] = [
  "echo", "discard", "daytime", "chargen", "ftp", "ssh", "telnet", "smtp", "time", "whois", "domain", "gopher",
  "finger", "http", "kerberos-sec", "iso-tsap", "pop3", "rpcbind", "ident", "nntp", "msrpc", "netbios-ssn", "imap",
  "bgp", "irc",
  "ldap", "https", "microsoft-ds", "kpasswd5", "smtps", "modbus", "exec", "login", "shell", "printer", "klogin",
  "kshell", "afp", "rtsp", "nntps", "submission", "ipp", "ldaps", "spamd", "domain-s", "rsync",
  "ftps", "telnets", "imaps", "pop3s", "socks5", "openvpn", "ms-sql-s", "oracle", "pptp", "mqtt", "upnp", "nfs",
  "zookeeper", "docker", "iec-104", "globalcatLDAP", "globalcatLDAPssl", "mysql",
  "clamd", "ms-wbt-server", "nut", "svn", "diameter", "nats", "epmd", "opcua-tcp", "sip", "sip-tls", "iperf3",
  "xmpp-client", "xmpp-server", "postgresql", "amqp", "vnc", "couchdb",
  "x11", "redis", "sane-port", "ovsdb", "openflow", "irc", "bolt", "ajp13", "http-proxy", "bitcoin", "https-alt",
  "secure-mqtt", "cassandra", "kafka", "jetdirect", "elasticsearch", "git",
  "zabbix", "zabbix", "memcached", "beanstalkd", "minecraft", "mongodb", "rethinkdb", "stomp",
];

/** The table's service name for `port`, or "" when the port is not listed. */
export function tableService(port: i32): string {
  const i = PORTS.indexOf(port);
  return i < 0 ? "" : NAMES[i];
}

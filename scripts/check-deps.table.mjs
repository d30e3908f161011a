// Every program and system file that `npm run build`, the tests and the
// benchmarks use, as the code names it, for scripts/check-deps.mjs.
//
// cmd: a bare name is looked up on PATH as the code does (execvp); an
//   absolute path is used as is; `*` and [..] match within one path segment
//   (the newest version wins, as test/support/services.mjs picks postgres).
// pkg: the Debian package to add to .ci/apt-packages.txt when it is missing.
// probe: arguments that make it exit 0 at once (proof that it runs, e.g.
//   that its libraries load); none for programs without such a flag.
// file: a data file, only checked to exist.
// by: who runs or reads it.
//
// Not here: node and npm (not from apt), and tsc, vitest, asc (npm ci puts
// them in node_modules/.bin). Rust is Debian's /usr/bin/rustc and cargo, as
// src/authoring/toolchain.ts picks them, never a rustup on PATH.

/** @typedef {{cmd: string, pkg: string, probe?: string[], file?: boolean, by: string}} Dep */

/** @type {readonly Dep[]} */
export const DEPS = Object.freeze([
  // --- the Rust plugin build (npm run build, wasmap plugin build, cargo test)
  { cmd: '/usr/bin/cargo', pkg: 'cargo', probe: ['--version'], by: 'src/authoring/toolchain.ts; cargo test in test/sdk-rust, test/plugin-cli, examples/*' },
  { cmd: '/usr/bin/rustc', pkg: 'rustc', probe: ['--version'], by: 'toolchain.ts (RUSTC for cargo); test/sandbox/rust-wasi.test.ts' },
  { cmd: '/usr/bin/rustdoc', pkg: 'rustc', probe: ['--version'], by: 'cargo test (doc tests; RUSTDOC in test/sdk-rust.test.ts)' },
  { cmd: 'rust-lld', pkg: 'lld-14', probe: ['-flavor', 'wasm', '--version'], by: 'rustc links every wasm32 target with it (Debian\'s is a link to lld-14, which rustc only suggests)' },
  { cmd: 'cc', pkg: 'gcc', probe: ['--version'], by: 'rustc links host build scripts and proc-macros (serde_derive) with it' },
  { cmd: 'ld', pkg: 'binutils', probe: ['--version'], by: 'cc links with it' },
  { cmd: '/usr/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib', pkg: 'libstd-rust-dev-wasm32', file: true, by: 'the default plugin target, wasm32-unknown-unknown' },
  { cmd: '/usr/lib/rustlib/wasm32-wasi/lib/libstd-*.rlib', pkg: 'libstd-rust-dev-wasm32', file: true, by: '--rust-target wasm32-wasi; test/sandbox/rust-wasi.test.ts' },
  { cmd: '/usr/share/cargo/registry/serde-[0-9]*/Cargo.toml', pkg: 'librust-serde-dev', file: true, by: 'sdk/rust, built offline from Debian\'s registry' },
  { cmd: '/usr/share/cargo/registry/serde_derive-[0-9]*/Cargo.toml', pkg: 'librust-serde-derive-dev', file: true, by: 'sdk/rust (serde derive feature)' },
  { cmd: '/usr/share/cargo/registry/serde_bytes-[0-9]*/Cargo.toml', pkg: 'librust-serde-bytes-dev', file: true, by: 'sdk/rust' },
  { cmd: '/usr/share/cargo/registry/rmp-serde-[0-9]*/Cargo.toml', pkg: 'librust-rmp-serde-dev', file: true, by: 'sdk/rust' },
  { cmd: '/usr/share/cargo/registry/rmp-[0-9]*/Cargo.toml', pkg: 'librust-rmp-serde-dev', file: true, by: 'sdk/rust' },

  // --- hand-written WebAssembly
  { cmd: 'wat2wasm', pkg: 'wabt', probe: ['--version'], by: 'test/sandbox/helpers/wat.ts, canned.ts; bench/plugins' },

  // --- the loopback daemons of test/support/services.mjs and the plugin tests
  { cmd: '/usr/sbin/sshd', pkg: 'openssh-server', probe: ['-V'], by: 'services.mjs (ssh); plugins-wasm/ssh tests' },
  { cmd: 'sshd', pkg: 'openssh-server', probe: ['-V'], by: 'test/banner.test.ts' },
  { cmd: 'ssh', pkg: 'openssh-client', probe: ['-V'], by: 'test/scan-service-detection.test.ts' },
  { cmd: 'ssh-keygen', pkg: 'openssh-client', by: 'services.mjs (ssh host keys); plugins-wasm/ssh tests' },
  { cmd: '/usr/sbin/nginx', pkg: 'nginx-light', probe: ['-v'], by: 'services.mjs (http, https); plugins-wasm/ssl, http, service-simple tests' },
  { cmd: '/etc/nginx/mime.types', pkg: 'nginx-light', file: true, by: 'services.mjs nginx.conf includes it' },
  { cmd: '/usr/bin/redis-server', pkg: 'redis-server', probe: ['--version'], by: 'services.mjs (redis); plugins-wasm/redis, misconfig tests' },
  { cmd: 'redis-server', pkg: 'redis-server', probe: ['--version'], by: 'examples/*, test/scan-service-detection.test.ts' },
  { cmd: '/usr/bin/memcached', pkg: 'memcached', probe: ['-V'], by: 'services.mjs (memcached); udp-peers.mjs' },
  { cmd: 'memcached', pkg: 'memcached', probe: ['-V'], by: 'plugins-wasm/memcached tests' },
  { cmd: '/usr/sbin/mosquitto', pkg: 'mosquitto', by: 'services.mjs (mqtt); plugins-wasm/mqtt tests' },
  { cmd: '/usr/bin/mosquitto_pub', pkg: 'mosquitto-clients', by: 'services.mjs (mqtt retained messages)' },
  { cmd: '/usr/lib/postgresql/*/bin/postgres', pkg: 'postgresql', probe: ['--version'], by: 'services.mjs (postgres)' },
  { cmd: '/usr/lib/postgresql/*/bin/initdb', pkg: 'postgresql', probe: ['--version'], by: 'services.mjs (postgres)' },
  { cmd: 'psql', pkg: 'postgresql', probe: ['--version'], by: 'plugins-wasm/postgresql tests' },
  { cmd: '/usr/sbin/mariadbd', pkg: 'mariadb-server', probe: ['--version'], by: 'services.mjs (mysql); plugins-wasm/mysql tests' },
  { cmd: '/usr/bin/mariadb-install-db', pkg: 'mariadb-server', by: 'services.mjs (mysql)' },
  { cmd: 'mariadb', pkg: 'mariadb-client', probe: ['--version'], by: 'plugins-wasm/mysql tests' },
  { cmd: '/usr/sbin/vsftpd', pkg: 'vsftpd', probe: ['-v'], by: 'services.mjs (ftp)' },
  { cmd: '/usr/bin/rsync', pkg: 'rsync', probe: ['--version'], by: 'services.mjs (rsync); plugins-wasm/rsync tests' },
  { cmd: 'rsync', pkg: 'rsync', probe: ['--version'], by: 'plugins-wasm/rsync tests' },
  { cmd: '/usr/sbin/inetd', pkg: 'openbsd-inetd', by: 'services.mjs (telnet)' },
  { cmd: '/usr/sbin/telnetd', pkg: 'inetutils-telnetd', probe: ['--version'], by: 'inetd, per telnet connection' },
  { cmd: '/usr/bin/login', pkg: 'login', by: 'telnetd' },
  { cmd: '/usr/sbin/exim4', pkg: 'exim4-daemon-light', probe: ['--version'], by: 'services.mjs (smtp); plugins-wasm/smtp, ssl tests' },
  { cmd: '/usr/sbin/dnsmasq', pkg: 'dnsmasq-base', probe: ['--version'], by: 'test/support/udp-peers.mjs' },
  { cmd: '/usr/sbin/snmpd', pkg: 'snmpd', probe: ['-v'], by: 'udp-peers.mjs' },
  { cmd: '/usr/sbin/chronyd', pkg: 'chrony', probe: ['-v'], by: 'udp-peers.mjs' },
  { cmd: '/usr/sbin/in.tftpd', pkg: 'tftpd-hpa', probe: ['-V'], by: 'udp-peers.mjs' },
  { cmd: 'gnutls-serv', pkg: 'gnutls-bin', probe: ['--version'], by: 'plugins-wasm/ssl/test/gnutls-serv.ts (ssl, misconfig tests)' },
  { cmd: 'gnutls-cli', pkg: 'gnutls-bin', probe: ['--version'], by: 'plugins-wasm/ssl tests' },
  { cmd: 'openssl', pkg: 'openssl', probe: ['version'], by: 'services.mjs (test certificate); test/sandbox/net.test.ts; plugins-wasm/ssl tests' },
  { cmd: 'x11vnc', pkg: 'x11vnc', probe: ['-version'], by: 'plugins-wasm/vnc tests (loopback-only VNC servers over Xvfb)' },
  { cmd: 'Xvfb', pkg: 'xvfb', probe: ['-help'], by: 'plugins-wasm/vnc tests (the displays x11vnc serves); plugins-wasm/x11 tests' },
  { cmd: 'xdpyinfo', pkg: 'x11-utils', probe: ['-version'], by: 'plugins-wasm/x11 tests (vendor, release, root and extensions to compare with)' },
  { cmd: 'xsetroot', pkg: 'x11-xserver-utils', probe: ['-version'], by: 'plugins-wasm/vnc tests (paints the root colour the screenshot must show)' },
  { cmd: 'Xtigervnc', pkg: 'tigervnc-standalone-server', probe: ['-version'], by: 'plugins-wasm/vnc/test/tigervnc.test.ts' },
  { cmd: '/usr/bin/import', pkg: 'imagemagick', probe: ['-version'], by: 'test/screenshots.test.ts, vnc/x11 tests (the independent grab of the root window)' },
  { cmd: '/usr/bin/convert', pkg: 'imagemagick', probe: ['-version'], by: 'test/support/remote-display.ts (paints a test picture)' },
  { cmd: '/usr/bin/display', pkg: 'imagemagick', probe: ['-version'], by: 'test/support/remote-display.ts (puts the picture on the root window)' },
  { cmd: '/usr/bin/identify', pkg: 'imagemagick', probe: ['-version'], by: 'plugins-wasm/web tests (reads the page screenshot)' },
  { cmd: '/usr/bin/socat', pkg: 'socat', probe: ['-V'], by: 'test/support/services/x11.mjs (Xvfb binds every address with -listen tcp: socat gives it 127.0.0.1 only)' },

  // --- the remote-desktop, file-sharing, directory and container servers of #15's plugins
  { cmd: '/usr/sbin/xrdp', pkg: 'xrdp', probe: ['--version'], by: 'test/support/services/xrdp.mjs; plugins-wasm/rdp tests' },
  { cmd: 'freerdp-shadow-cli', pkg: 'freerdp2-shadow-x11', by: 'plugins-wasm/rdp tests (a server that requires NLA, for CredSSP/NTLM)' },
  { cmd: '/usr/sbin/smbd', pkg: 'samba', probe: ['--version'], by: 'test/support/services/samba.mjs; plugins-wasm/smb tests' },
  { cmd: 'smbclient', pkg: 'smbclient', probe: ['--version'], by: 'plugins-wasm/smb tests (what Samba\'s own client lists)' },
  { cmd: '/usr/sbin/slapd', pkg: 'slapd', probe: ['-VV'], by: 'test/support/services/slapd.mjs; plugins-wasm/ldap tests' },
  { cmd: '/usr/sbin/slapadd', pkg: 'slapd', by: 'test/support/services/slapd.mjs (loads the test entries)' },
  { cmd: 'ldapsearch', pkg: 'ldap-utils', probe: ['-VV'], by: 'plugins-wasm/ldap tests (what OpenLDAP\'s own client reads)' },
  { cmd: '/usr/bin/podman', pkg: 'podman', probe: ['--version'], by: 'test/support/services/podman.mjs (the Docker API); plugins-wasm/docker tests' },

  // --- more real daemons for bench/detect and service-simple's tests
  { cmd: '/usr/sbin/dovecot', pkg: 'dovecot-imapd', probe: ['--version'], by: 'test/support/services/dovecot.mjs (imap, pop3 with dovecot-pop3d)' },
  { cmd: '/usr/sbin/cupsd', pkg: 'cups-daemon', probe: ['-h'], by: 'test/support/services/cups.mjs (ipp)' },
  { cmd: '/usr/sbin/nats-server', pkg: 'nats-server', probe: ['--version'], by: 'test/support/services/nats.mjs' },
  { cmd: '/usr/bin/etcd', pkg: 'etcd-server', probe: ['--version'], by: 'test/support/services/etcd.mjs' },
  { cmd: '/usr/bin/prometheus', pkg: 'prometheus', probe: ['--version'], by: 'test/support/services/prometheus.mjs' },
  { cmd: '/usr/bin/influxd', pkg: 'influxdb', probe: ['version'], by: 'test/support/services/influxdb.mjs' },
  { cmd: '/usr/bin/java', pkg: 'zookeeperd', probe: ['-version'], by: 'test/support/services/zookeeper.mjs (runs ZooKeeper\'s main class)' },
  { cmd: '/usr/share/java/zookeeper.jar', pkg: 'zookeeperd', file: true, by: 'test/support/services/zookeeper.mjs' },
  { cmd: '/usr/sbin/kamailio', pkg: 'kamailio', probe: ['-v'], by: 'test/support/services/kamailio.mjs (sip)' },
  { cmd: '/usr/bin/time', pkg: 'time', probe: ['--version'], by: 'bench/detect (CPU seconds of each run)' },

  // --- plugin signatures: the oracle for minisign's format (keys and signatures both ways)
  { cmd: 'minisign', pkg: 'minisign', probe: ['-v'], by: 'test/signing, test/store (plugin signatures made and checked by the real tool)' },

  // --- nmap: the comparison in the benchmarks and tests, and its probe file
  { cmd: 'nmap', pkg: 'nmap', probe: ['--version'], by: 'bench/common.mjs; plugins-wasm/service-simple/test/nmap-probes.test.ts' },
  { cmd: '/usr/share/nmap/nmap-service-probes', pkg: 'nmap', file: true, by: 'service-simple tests, test/scan-service-detection.test.ts' },

  // --- the readers of wasmap's nmap formats, in test/report/nmap-*.test.ts
  { cmd: '/usr/share/nmap/nmap.dtd', pkg: 'nmap', file: true, by: 'test/report/nmap-xml.test.ts (xmllint --dtdvalid)' },
  { cmd: '/usr/share/nmap/nmap.xsl', pkg: 'nmap', file: true, by: 'test/report/nmap-xml.test.ts (xsltproc)' },
  { cmd: 'xmllint', pkg: 'libxml2-utils', probe: ['--version'], by: 'test/report/nmap-xml.test.ts, nmap-interrupt.test.ts' },
  { cmd: 'xsltproc', pkg: 'xsltproc', probe: ['--version'], by: 'test/report/nmap-xml.test.ts' },
  { cmd: 'ndiff', pkg: 'ndiff', probe: ['-h'], by: 'test/report/nmap-xml.test.ts' },
  { cmd: '/usr/bin/python3', pkg: 'python3', probe: ['--version'], by: 'test/report/nmap-xml.test.ts (python3-libnmap; never a pyenv python3 on PATH)' },
  { cmd: '/usr/lib/python3/dist-packages/libnmap/parser.py', pkg: 'python3-libnmap', file: true, by: 'test/report/nmap-xml.test.ts' },

  // --- the HTML report's test: a real headless browser (driven by playwright-core)
  { cmd: '/usr/bin/chromium', pkg: 'chromium', probe: ['--version'], by: 'test/report/html-report.test.ts' },

  // --- namespaces, terminals, limits, privileges
  { cmd: 'ip', pkg: 'iproute2', probe: ['-V'], by: 'test/support/netns.ts; hostile-scan, scan-states, udp-scanner tests; gnutls-serv.ts' },
  { cmd: 'nft', pkg: 'nftables', probe: ['--version'], by: 'test/support/netns.ts; test/scan-states.test.ts' },
  { cmd: 'unshare', pkg: 'util-linux', probe: ['--version'], by: 'plugins-wasm/ssl/test/gnutls-serv.ts' },
  { cmd: 'script', pkg: 'bsdutils', probe: ['--version'], by: 'test/terminal-output.test.ts, hostile-terminal.test.ts (a real tty)' },
  { cmd: 'prlimit', pkg: 'util-linux', probe: ['--version'], by: 'test/udp-scanner.test.ts' },
  { cmd: '/usr/bin/setpriv', pkg: 'util-linux', probe: ['--version'], by: 'services.mjs (daemons drop to their users as root)' },
  { cmd: 'sh', pkg: 'dash', probe: ['-c', 'exit 0'], by: 'gnutls-serv.ts (unshare sh -c), test/support/cli.ts' },
  { cmd: 'cat', pkg: 'coreutils', probe: ['--version'], by: 'test/scan-states.test.ts (inside a netns)' },
  { cmd: 'chown', pkg: 'coreutils', probe: ['--version'], by: 'services.mjs' },
  { cmd: 'chmod', pkg: 'coreutils', probe: ['--version'], by: 'services.mjs' },
  { cmd: 'id', pkg: 'coreutils', probe: ['--version'], by: 'services.mjs (exim as non-root)' },
  { cmd: 'grep', pkg: 'grep', probe: ['--version'], by: 'plugins-wasm/service-simple/test/nmap-probes.test.ts' },
  { cmd: 'dpkg-query', pkg: 'dpkg', probe: ['--version'], by: 'services.mjs, version checks in plugin tests, scripts/check-deps.mjs' },
]);

// Preloaded into the process under measure (node --require): at exit, writes
// its peak RSS and CPU time, threads included, to the file in WASMAP_PEAK_OUT.
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.WASMAP_PEAK_OUT, JSON.stringify({ max_rss_kb: u.maxRSS, user_s: u.userCPUTime / 1e6, system_s: u.systemCPUTime / 1e6 }));
});

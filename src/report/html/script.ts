/**
 * The report's filters, inlined (the page's CSP allows this one script by
 * hash). It only reads the page's data- attributes and text and toggles
 * `hidden`: it never builds markup, so nothing from the scan becomes HTML
 * here. A port stays visible when its host and service match, its text (or
 * its host's name) contains the search, and — with a severity chosen — it has
 * a finding of that severity, of which only those stay visible.
 */
export const SCRIPT = `
(() => {
  const $ = (id) => document.getElementById(id);
  const severity = $('f-severity'), service = $('f-service'), host = $('f-host'), search = $('f-search'), count = $('f-count'), empty = $('empty');
  const hosts = Array.from(document.querySelectorAll('section.host'));
  function apply() {
    const sev = severity.value, svc = service.value, ip = host.value, q = search.value.trim().toLowerCase();
    let ports = 0, findings = 0;
    for (const h of hosts) {
      let any = false;
      for (const p of h.querySelectorAll('article.port')) {
        let shownFindings = 0;
        for (const f of p.querySelectorAll('li.finding')) {
          f.hidden = sev !== '' && f.dataset.severity !== sev;
          if (!f.hidden) shownFindings++;
        }
        const show = (ip === '' || h.dataset.host === ip)
          && (svc === '' || p.dataset.service === svc)
          && (q === '' || (h.dataset.name + ' ' + p.textContent).toLowerCase().includes(q))
          && (sev === '' || shownFindings > 0);
        p.hidden = !show;
        if (show) { any = true; ports++; findings += shownFindings; }
      }
      h.hidden = !any;
    }
    count.textContent = ports + (ports === 1 ? ' row, ' : ' rows, ') + findings + (findings === 1 ? ' finding' : ' findings') + ' shown';
    empty.hidden = ports > 0;
  }
  for (const el of [severity, service, host]) el.addEventListener('change', apply);
  search.addEventListener('input', apply);
  apply();
})();
`;

// The technology rules: our own small set (about 50 common technologies),
// written by hand from each project's documented headers, cookies, generator
// strings and asset paths. Wappalyzer's dataset closed in 2023 and the
// webappanalyzer fork is GPL-3.0, which this Apache-2.0 plugin cannot bundle.
//
// Each rule is a case-insensitive substring `needle` looked for in one place;
// `version` is the text after which a version (digits and dots) may follow
// ("=": the whole header value is the version); an empty header needle
// means the header is present.

export const IN_HEADER: i32 = 0; // the value of header `key`
export const IN_COOKIE: i32 = 1; // a Set-Cookie name starting with `needle`
export const IN_GENERATOR: i32 = 2; // <meta name="generator" content>
export const IN_ASSET: i32 = 3; // <script src> or <link href>
export const IN_HTML: i32 = 4; // anywhere in the body

export class Rule {
  constructor(
    public name: string,
    public category: string,
    public where: i32,
    public key: string,
    public needle: string,
    public version: string = "",
  ) {}
}

function h(name: string, cat: string, header: string, needle: string, version: string = ""): Rule { return new Rule(name, cat, IN_HEADER, header, needle, version); }
function c(name: string, cat: string, cookie: string): Rule { return new Rule(name, cat, IN_COOKIE, "", cookie); }
function g(name: string, cat: string, needle: string, version: string = ""): Rule { return new Rule(name, cat, IN_GENERATOR, "", needle, version); }
function a(name: string, cat: string, needle: string, version: string = ""): Rule { return new Rule(name, cat, IN_ASSET, "", needle, version); }
function m(name: string, cat: string, needle: string, version: string = ""): Rule { return new Rule(name, cat, IN_HTML, "", needle, version); }

const WEB = "Web servers";
const PROXY = "Reverse proxies";
const LANG = "Programming languages";
const FW = "Web frameworks";
const CMS = "CMS";
const JS = "JavaScript libraries";
const JSFW = "JavaScript frameworks";
const SSG = "Static site generators";
const CACHE = "Caching";
const CDN = "CDN";
const APP = "Applications";
const ANALYTICS = "Analytics";
const UI = "UI frameworks";

export const RULES: Array<Rule> = [
  // Server
  h("nginx", WEB, "server", "nginx", "nginx/"),
  h("Apache HTTP Server", WEB, "server", "apache/", "apache/"),
  h("Apache HTTP Server", WEB, "server", "apache", ""),
  h("Microsoft IIS", WEB, "server", "microsoft-iis", "microsoft-iis/"),
  h("lighttpd", WEB, "server", "lighttpd", "lighttpd/"),
  h("OpenResty", WEB, "server", "openresty", "openresty/"),
  h("Caddy", WEB, "server", "caddy"),
  h("LiteSpeed", WEB, "server", "litespeed"),
  h("Gunicorn", WEB, "server", "gunicorn", "gunicorn/"),
  h("Jetty", WEB, "server", "jetty", "jetty("),
  h("Werkzeug", WEB, "server", "werkzeug", "werkzeug/"),
  h("Tornado", WEB, "server", "tornadoserver", "tornadoserver/"),
  h("Kestrel", WEB, "server", "kestrel"),
  h("Cowboy", WEB, "server", "cowboy"),
  h("Apache Tomcat", WEB, "server", "apache-coyote"),
  h("Envoy", PROXY, "server", "envoy"),
  h("Cloudflare", CDN, "server", "cloudflare"),
  // X-Powered-By and friends
  h("PHP", LANG, "x-powered-by", "php", "php/"),
  h("Express", FW, "x-powered-by", "express"),
  h("ASP.NET", FW, "x-powered-by", "asp.net"),
  h("Next.js", JSFW, "x-powered-by", "next.js", "next.js "),
  h("ASP.NET", FW, "x-aspnet-version", "", "="),
  h("Drupal", CMS, "x-generator", "drupal", "drupal "),
  h("Drupal", CMS, "x-drupal-cache", ""),
  h("Varnish", CACHE, "x-varnish", ""),
  h("Varnish", CACHE, "via", "varnish"),
  h("Jenkins", APP, "x-jenkins", "", "="),
  // Cookies (names)
  c("PHP", LANG, "phpsessid"),
  c("Java", LANG, "jsessionid"),
  c("ASP.NET", FW, "asp.net_sessionid"),
  c("Laravel", FW, "laravel_session"),
  c("Django", FW, "csrftoken"),
  c("WordPress", CMS, "wordpress_"),
  c("WordPress", CMS, "wp-settings-"),
  c("GitLab", APP, "_gitlab_session"),
  c("Grafana", APP, "grafana_session"),
  c("CodeIgniter", FW, "ci_session"),
  c("Express", FW, "connect.sid"),
  // <meta name="generator">
  g("WordPress", CMS, "wordpress", "wordpress "),
  g("Joomla!", CMS, "joomla", "joomla! "),
  g("Drupal", CMS, "drupal", "drupal "),
  g("Hugo", SSG, "hugo", "hugo "),
  g("Jekyll", SSG, "jekyll", "jekyll v"),
  g("Ghost", CMS, "ghost", "ghost "),
  g("MediaWiki", CMS, "mediawiki", "mediawiki "),
  g("TYPO3", CMS, "typo3", "typo3 cms "),
  g("Gatsby", SSG, "gatsby", "gatsby "),
  g("Docusaurus", SSG, "docusaurus", "docusaurus v"),
  // script src / link href
  a("jQuery", JS, "jquery", "jquery-"),
  a("jQuery", JS, "/jquery/", "/jquery/"),
  a("jQuery", JS, "jquery@", "jquery@"),
  a("Bootstrap", UI, "bootstrap", "bootstrap@"),
  a("Bootstrap", UI, "/bootstrap/", "/bootstrap/"),
  a("React", JSFW, "react-dom", "react-dom@"),
  a("React", JSFW, "react.production", ""),
  a("Vue.js", JSFW, "vue.min.js"),
  a("Vue.js", JSFW, "vue@", "vue@"),
  a("Vue.js", JSFW, "/vue.js"),
  a("AngularJS", JSFW, "angular.min.js"),
  a("AngularJS", JSFW, "/angular.js", "angular.js/"),
  a("WordPress", CMS, "/wp-content/"),
  a("WordPress", CMS, "/wp-includes/"),
  a("Google Analytics", ANALYTICS, "google-analytics.com"),
  a("Google Tag Manager", ANALYTICS, "googletagmanager.com"),
  a("reCAPTCHA", "Security", "recaptcha"),
  a("Next.js", JSFW, "/_next/"),
  a("Nuxt.js", JSFW, "/_nuxt/"),
  a("Modernizr", JS, "modernizr", "modernizr-"),
  a("Font Awesome", "Font scripts", "font-awesome", "font-awesome/"),
  a("Font Awesome", "Font scripts", "fontawesome"),
  // markers in the page
  m("Angular", JSFW, "ng-version=\"", "ng-version=\""),
  m("React", JSFW, "data-reactroot"),
  m("Next.js", JSFW, "__next_data__"),
  m("Nuxt.js", JSFW, "window.__nuxt__"),
  m("Gatsby", SSG, "id=\"___gatsby\""),
  m("nginx", WEB, "<h1>welcome to nginx!</h1>"),
  m("Apache HTTP Server", WEB, "apache2 debian default page"),
  m("Grafana", APP, "window.grafanabootdata"),
  m("Django", FW, "csrfmiddlewaretoken"),
  m("Ruby on Rails", FW, "content=\"authenticity_token\""),
  m("GitLab", APP, "gon.gitlab_url"),
  m("phpMyAdmin", APP, "<title>phpmyadmin"),
  m("Jenkins", APP, "<title>dashboard [jenkins]"),
];

/*
 * The console's only stylesheet and script, served by the console itself (the machine may be offline,
 * and a CDN would be one more origin to trust). Every page works without the script; it adds live
 * updates over server-sent events and a guard against a double submit.
 */

export const CONSOLE_CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --ok: #116329; --bad: #a40e26; --warn: #7d4e00; --accent: #0a58ca; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; color: var(--fg); margin: 0; }
header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .6rem 1.5rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header nav a { margin-right: 1rem; font-weight: 600; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
a { color: var(--accent); }
a:focus, button:focus, textarea:focus, summary:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem; }
.inline { display: inline; }
.banner:empty { display: none; }
.banner { margin: 0; padding: .6rem 1.5rem; background: #fff8c5; }
.banner.error { background: #ffebe9; color: var(--bad); font-weight: 600; }
.flash { max-width: 72rem; margin: 1rem auto 0; padding: .6rem 1rem; border-left: 4px solid; }
.flash.ok { border-color: var(--ok); background: #dafbe1; }
.flash.error { border-color: var(--bad); background: #ffebe9; }
.item { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1.2rem 1rem; margin: 1rem 0; }
.item h2 { font-size: 1.15rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 .5rem; }
dt { font-weight: 600; color: var(--muted); } dd { margin: 0; } dd ul, dd ol { margin: 0; padding-left: 1.2rem; }
.live { padding: .4rem .8rem; border-radius: 4px; margin: .5rem 0; }
.live.ok { background: #dafbe1; color: var(--ok); }
.live.missing { background: #fff8c5; color: var(--warn); } .live.missing p { margin: 0; }
.live.unknown { background: #f6f8fa; color: var(--muted); }
label { display: block; font-weight: 600; margin-top: .5rem; }
textarea { width: 100%; max-width: 40rem; font: inherit; }
.buttons { margin-top: .5rem; display: flex; gap: .6rem; }
button { font: inherit; padding: .35rem 1rem; border-radius: 4px; border: 1px solid var(--line); background: #f6f8fa; cursor: pointer; }
button.approve { background: var(--ok); color: #fff; border-color: var(--ok); }
button.reject { background: #fff; color: var(--bad); border-color: var(--bad); }
button[disabled] { opacity: .6; cursor: progress; }
.readonly { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
caption { text-align: left; color: var(--muted); }
.state-done td:nth-child(2) { color: var(--ok); } .state-failed td:nth-child(2), tr.error td { color: var(--bad); }
.state-running td:nth-child(2) { color: var(--warn); font-weight: 600; }
details.run { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; margin: .5rem 0; }
summary { cursor: pointer; } .run-status { font-weight: 600; }
.identity { color: var(--muted); font-size: .9em; }
code { font-size: .9em; overflow-wrap: anywhere; }
`;

export const CONSOLE_JS = `
(function () {
  // A second click (or Enter) on a form already sent is dropped; the server refuses duplicates anyway.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = '1';
    // Disabled after the submission took the clicked button's value.
    setTimeout(function () { form.querySelectorAll('button').forEach(function (b) { b.disabled = true; }); }, 0);
  });
  var view = document.body.dataset.view;
  if (!view || !window.EventSource) return;
  var live = document.getElementById('live');
  var banner = document.getElementById('connection');
  var pending = null;
  function busy() {
    var active = document.activeElement;
    if (active && live.contains(active) && active.matches('textarea, input')) return true;
    if (live.querySelector('form[data-sent]')) return true;
    return Array.prototype.some.call(live.querySelectorAll('textarea'), function (t) { return t.value !== ''; });
  }
  function apply(html) {
    if (busy()) { pending = html; return; }
    pending = null;
    live.innerHTML = html;
  }
  document.addEventListener('focusout', function () { if (pending !== null) setTimeout(function () { if (pending !== null) apply(pending); }, 0); });
  var source = new EventSource('/events?view=' + encodeURIComponent(view));
  source.addEventListener('fragment', function (e) { apply(JSON.parse(e.data).html); });
  source.addEventListener('temporal', function (e) {
    var s = JSON.parse(e.data);
    banner.className = s.ok ? 'banner' : 'banner error';
    banner.textContent = s.ok ? '' : s.message;
  });
  source.addEventListener('ended', function () { source.close(); location.reload(); });
  source.onerror = function () {
    banner.className = 'banner error';
    banner.textContent = 'The console does not answer; this page retries by itself.';
  };
  source.onopen = function () { if (banner.textContent.indexOf('The console does not answer') === 0) { banner.className = 'banner'; banner.textContent = ''; } };
})();
`;

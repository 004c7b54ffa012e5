// The H5 pages' one script (progressive enhancement: every page works without it, except the
// app's handoff, which only a script can read).
//
// The i厦门 app opens /h5/#assertion=<JWS>. The fragment never reaches the server (no access
// log, no Referer holds it); it is taken out of the address bar at once and posted, with the
// page's CSRF token, to /h5/session, which answers with the signed-in page.
(function () {
  const form = document.getElementById("handoff");
  const match = /(?:^#|&)assertion=([^&]+)/.exec(window.location.hash);
  if (!form || !match) {
    return;
  }
  history.replaceState(null, "", window.location.pathname + window.location.search);
  form.elements.assertion.value = decodeURIComponent(match[1]);
  const status = document.getElementById("handoff-status");
  if (status) {
    status.textContent = document.documentElement.lang === "en" ? "Signing you in…" : "正在登录…";
  }
  form.submit();
})();

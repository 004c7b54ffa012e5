// The console's one script. Forms that ask before they submit say so with
// data-confirm="…" (the Content-Security-Policy allows no inline handlers).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

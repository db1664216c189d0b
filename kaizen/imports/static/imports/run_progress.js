// While the import waits or runs, ask for its figures every 2 s (no page reload in between).
// The address to ask and the state the page was drawn in are the #progress card's data-*.
(() => {
  const card = document.getElementById("progress");
  if (!card || !card.dataset.progressUrl) { return; }
  const url = card.dataset.progressUrl;
  const bar = document.getElementById("progress-bar");
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const figures = await response.json();
        // Ended, or queued -> running: the page is drawn again with the new state.
        if (figures.status !== card.dataset.status) { window.location.reload(); return; }
        bar.style.width = `${figures.percent_done}%`;
        bar.textContent = `${figures.percent_done} %`;
        bar.parentElement.setAttribute("aria-valuenow", figures.percent_done);
        document.querySelectorAll("[data-figure]").forEach((cell) => {
          const value = figures[cell.dataset.figure];
          cell.textContent = value === null ? "—" : value;
        });
      }
    } catch (error) { /* the next poll tries again */ }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
})();

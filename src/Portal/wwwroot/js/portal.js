// Small browser helpers the portal calls through JS interop.
window.portal = {
  setTheme(dark) {
    document.cookie = `portal-theme=${dark ? "dark" : "light"}; path=/; max-age=31536000; samesite=lax`;
    document.body.classList.toggle("portal-dark", dark);
    document.body.classList.toggle("portal-light", !dark);
  },
};

// Plotly's responsive mode follows window resizes only. A chart whose card changes width without one (the
// navigation drawer opening or closing, a panel appearing beside it) would keep its old width: too narrow, or
// overflowing its card. Every Plotly figure is watched and resized with its container instead.
(() => {
  const plots = new WeakMap(); // container -> its Plotly figure
  const resize = new ResizeObserver(entries => {
    for (const entry of entries) {
      const plot = plots.get(entry.target);
      if (window.Plotly && plot && plot.isConnected && plot.offsetParent !== null) {
        window.Plotly.Plots.resize(plot);
      }
    }
  });
  const watch = () => {
    for (const plot of document.querySelectorAll(".js-plotly-plot")) {
      const container = plot.parentElement;
      if (container && plots.get(container) !== plot) {
        plots.set(container, plot);
        resize.observe(container);
      }
    }
  };
  let queued = false;
  const queue = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => { queued = false; watch(); });
    }
  };
  const start = () => {
    watch();
    new MutationObserver(queue).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
  };
  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();

// Draws the charts the server described (each canvas carries its Chart.js configuration as JSON in data-chart)
// and highlights code blocks with highlight.js. The pages are rendered on the server; this runs once per load.
document.addEventListener('DOMContentLoaded', () => {
  if (window.Chart) {
    for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
      new Chart(canvas, JSON.parse(canvas.dataset.chart));
    }
  }
  if (window.hljs) {
    for (const block of document.querySelectorAll('pre code[class*="language-"]')) {
      hljs.highlightElement(block);
    }
  }
});

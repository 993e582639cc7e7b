// Starts the NHS.UK frontend components. Every page works without this file.
import { initAll, InitError } from '../vendor/nhsuk-frontend/nhsuk-frontend.min.js';

initAll();

// htmx fires htmx:load on every element it adds: start the components inside it too,
// ignoring the InitError for components that were already running there.
document.addEventListener('htmx:load', (event) => {
  const element = event.target;
  if (!(element instanceof Element) || element === document.body) return;
  initAll({
    scope: element.parentElement ?? element,
    onError(error) {
      if (!(error instanceof InitError)) console.error(error);
    },
  });
});

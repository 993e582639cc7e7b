// Runs first in <body>: tells the NHS.UK styles that JavaScript components will start.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');

"""Web plumbing every blueprint relies on: database binding, locale, error pages,
security headers and request-input rules. No page lives here."""

"""Server-rendered pages: templates, translations, middleware and the residents' home page."""

"""Live preview: a local page server that shows the page as an edit changes it."""

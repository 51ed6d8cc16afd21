"""The weekly reputation report: figures from storage, charts, and the rendered email."""
